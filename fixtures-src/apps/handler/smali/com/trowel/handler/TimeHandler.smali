.class public Lcom/trowel/handler/TimeHandler;
.super Landroid/os/Handler;

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/os/Handler;-><init>()V
    return-void
.end method

.method public handleMessage(Landroid/os/Message;)V
    .registers 5
    iget-object v0, p1, Landroid/os/Message;->obj:Ljava/lang/Object;
    sget-object v1, Lcom/trowel/handler/Main;->context:Landroid/content/Context;
    const-string v2, "message.txt"
    const/4 v3, 0x0
    invoke-virtual {v1, v2, v3}, Landroid/content/Context;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v1
    invoke-virtual {v0}, Ljava/lang/Object;->toString()Ljava/lang/String;
    move-result-object v0
    invoke-virtual {v0}, Ljava/lang/String;->getBytes()[B
    move-result-object v0
    invoke-virtual {v1, v0}, Ljava/io/FileOutputStream;->write([B)V
    return-void
.end method
