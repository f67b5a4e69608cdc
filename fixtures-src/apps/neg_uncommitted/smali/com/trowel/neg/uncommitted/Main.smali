# Negative: the typed text is put into a preferences editor that never reaches commit() or apply().
.class public Lcom/trowel/neg/uncommitted/Main;
.super Landroid/app/Activity;

.method public onPause()V
    .registers 4
    invoke-super {p0}, Landroid/app/Activity;->onPause()V
    const v0, 0x7f010001
    invoke-virtual {p0, v0}, Lcom/trowel/neg/uncommitted/Main;->findViewById(I)Landroid/view/View;
    move-result-object v0
    check-cast v0, Landroid/widget/EditText;
    invoke-virtual {v0}, Landroid/widget/EditText;->getText()Landroid/text/Editable;
    move-result-object v0
    invoke-virtual {v0}, Ljava/lang/Object;->toString()Ljava/lang/String;
    move-result-object v0
    const-string v1, "draft"
    const/4 v2, 0x0
    invoke-virtual {p0, v1, v2}, Lcom/trowel/neg/uncommitted/Main;->getSharedPreferences(Ljava/lang/String;I)Landroid/content/SharedPreferences;
    move-result-object v1
    invoke-interface {v1}, Landroid/content/SharedPreferences;->edit()Landroid/content/SharedPreferences$Editor;
    move-result-object v1
    const-string v2, "text"
    invoke-interface {v1, v2, v0}, Landroid/content/SharedPreferences$Editor;->putString(Ljava/lang/String;Ljava/lang/String;)Landroid/content/SharedPreferences$Editor;
    return-void
.end method
