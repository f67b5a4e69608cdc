# AsyncTask mechanism: execute(text) -> doInBackground adds the time -> onPostExecute writes the result.
.class public Lcom/trowel/asynctask/Main;
.super Landroid/app/Activity;

.field public static context:Landroid/content/Context;

.method public onCreate(Landroid/os/Bundle;)V
    .registers 6
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    sput-object p0, Lcom/trowel/asynctask/Main;->context:Landroid/content/Context;
    const v0, 0x7f010001
    invoke-virtual {p0, v0}, Lcom/trowel/asynctask/Main;->findViewById(I)Landroid/view/View;
    move-result-object v0
    check-cast v0, Landroid/widget/EditText;
    invoke-virtual {v0}, Landroid/widget/EditText;->getText()Landroid/text/Editable;
    move-result-object v0
    invoke-virtual {v0}, Ljava/lang/Object;->toString()Ljava/lang/String;
    move-result-object v0
    const/4 v1, 0x1
    new-array v1, v1, [Ljava/lang/String;
    const/4 v2, 0x0
    aput-object v0, v1, v2
    new-instance v3, Lcom/trowel/asynctask/SaveTask;
    invoke-direct {v3}, Lcom/trowel/asynctask/SaveTask;-><init>()V
    invoke-virtual {v3, v1}, Lcom/trowel/asynctask/SaveTask;->execute([Ljava/lang/Object;)Landroid/os/AsyncTask;
    return-void
.end method
