.class public Lcom/trowel/intent/Second;
.super Landroid/app/Activity;

.method public onCreate(Landroid/os/Bundle;)V
    .registers 6
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    invoke-virtual {p0}, Lcom/trowel/intent/Second;->getIntent()Landroid/content/Intent;
    move-result-object v0
    const-string v1, "loc"
    invoke-virtual {v0, v1}, Landroid/content/Intent;->getStringExtra(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v0
    const-string v1, "received.txt"
    const/4 v2, 0x0
    invoke-virtual {p0, v1, v2}, Lcom/trowel/intent/Second;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v1
    invoke-virtual {v0}, Ljava/lang/String;->getBytes()[B
    move-result-object v0
    invoke-virtual {v1, v0}, Ljava/io/FileOutputStream;->write([B)V
    return-void
.end method
