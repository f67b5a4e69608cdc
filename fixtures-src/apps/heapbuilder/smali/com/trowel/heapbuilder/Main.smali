# A StringBuffer kept in a static field: the device id is appended through one read of the field (collect),
# the buffer is written through another (save). The allocation-site heap object carries what was appended.
.class public Lcom/trowel/heapbuilder/Main;
.super Landroid/app/Activity;

.field static log:Ljava/lang/StringBuffer;

.method public onCreate(Landroid/os/Bundle;)V
    .registers 3
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    new-instance v0, Ljava/lang/StringBuffer;
    invoke-direct {v0}, Ljava/lang/StringBuffer;-><init>()V
    sput-object v0, Lcom/trowel/heapbuilder/Main;->log:Ljava/lang/StringBuffer;
    invoke-direct {p0}, Lcom/trowel/heapbuilder/Main;->collect()V
    invoke-direct {p0}, Lcom/trowel/heapbuilder/Main;->save()V
    return-void
.end method

.method private collect()V
    .registers 3
    const-string v0, "phone"
    invoke-virtual {p0, v0}, Lcom/trowel/heapbuilder/Main;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, Landroid/telephony/TelephonyManager;
    invoke-virtual {v0}, Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;
    move-result-object v0
    sget-object v1, Lcom/trowel/heapbuilder/Main;->log:Ljava/lang/StringBuffer;
    invoke-virtual {v1, v0}, Ljava/lang/StringBuffer;->append(Ljava/lang/String;)Ljava/lang/StringBuffer;
    return-void
.end method

.method private save()V
    .registers 4
    const-string v0, "ids.txt"
    const/4 v1, 0x0
    invoke-virtual {p0, v0, v1}, Lcom/trowel/heapbuilder/Main;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v0
    sget-object v1, Lcom/trowel/heapbuilder/Main;->log:Ljava/lang/StringBuffer;
    invoke-virtual {v1}, Ljava/lang/StringBuffer;->toString()Ljava/lang/String;
    move-result-object v1
    invoke-virtual {v1}, Ljava/lang/String;->getBytes()[B
    move-result-object v1
    invoke-virtual {v0, v1}, Ljava/io/FileOutputStream;->write([B)V
    return-void
.end method
