.class public Lcom/trowel/siblings/NoteActivity;
.super Lcom/trowel/siblings/Base;

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Lcom/trowel/siblings/Base;-><init>()V
    return-void
.end method

.method public onCreate(Landroid/os/Bundle;)V
    .registers 5
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    const-string v0, "notes"
    const/4 v1, 0x0
    invoke-virtual {p0, v0, v1}, Lcom/trowel/siblings/NoteActivity;->getSharedPreferences(Ljava/lang/String;I)Landroid/content/SharedPreferences;
    move-result-object v0
    invoke-interface {v0}, Landroid/content/SharedPreferences;->edit()Landroid/content/SharedPreferences$Editor;
    move-result-object v0
    iput-object v0, p0, Lcom/trowel/siblings/NoteActivity;->editor:Landroid/content/SharedPreferences$Editor;
    const v0, 0x7f010001
    invoke-virtual {p0, v0}, Lcom/trowel/siblings/NoteActivity;->findViewById(I)Landroid/view/View;
    move-result-object v0
    check-cast v0, Landroid/widget/EditText;
    invoke-virtual {v0}, Landroid/widget/EditText;->getText()Landroid/text/Editable;
    move-result-object v0
    invoke-virtual {v0}, Ljava/lang/Object;->toString()Ljava/lang/String;
    move-result-object v0
    const-string v1, "draft"
    invoke-virtual {p0, v1, v0}, Lcom/trowel/siblings/NoteActivity;->store(Ljava/lang/String;Ljava/lang/String;)V
    return-void
.end method
