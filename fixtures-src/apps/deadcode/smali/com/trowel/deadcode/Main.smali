# Dead code predicts nothing: a write behind a constant-false guard, a helper class nothing calls, and an
# activity the manifest does not declare. Only live.txt (typed text) is written by reachable code.
.class public Lcom/trowel/deadcode/Main;
.super Landroid/app/Activity;

.method public onCreate(Landroid/os/Bundle;)V
    .registers 6
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    const v0, 0x7f010001
    invoke-virtual {p0, v0}, Lcom/trowel/deadcode/Main;->findViewById(I)Landroid/view/View;
    move-result-object v0
    check-cast v0, Landroid/widget/EditText;
    invoke-virtual {v0}, Landroid/widget/EditText;->getText()Landroid/text/Editable;
    move-result-object v0
    invoke-virtual {v0}, Ljava/lang/Object;->toString()Ljava/lang/String;
    move-result-object v0
    invoke-virtual {v0}, Ljava/lang/String;->getBytes()[B
    move-result-object v0
    const/4 v1, 0x0
    if-eqz v1, :live
    const-string v2, "debug.txt"
    const/4 v3, 0x0
    invoke-virtual {p0, v2, v3}, Lcom/trowel/deadcode/Main;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v2
    invoke-virtual {v2, v0}, Ljava/io/FileOutputStream;->write([B)V
    :live
    const-string v2, "live.txt"
    const/4 v3, 0x0
    invoke-virtual {p0, v2, v3}, Lcom/trowel/deadcode/Main;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v2
    invoke-virtual {v2, v0}, Ljava/io/FileOutputStream;->write([B)V
    return-void
.end method
