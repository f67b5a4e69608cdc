# IM app: the typed message and its time go into a chat database through an SQLiteOpenHelper.
.class public Lcom/trowel/im/ChatActivity;
.super Landroid/app/Activity;
.implements Landroid/view/View$OnClickListener;

.field private db:Lcom/trowel/im/ChatDb;

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/app/Activity;-><init>()V
    return-void
.end method

.method public onCreate(Landroid/os/Bundle;)V
    .registers 3
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    new-instance v0, Lcom/trowel/im/ChatDb;
    invoke-direct {v0, p0}, Lcom/trowel/im/ChatDb;-><init>(Landroid/content/Context;)V
    iput-object v0, p0, Lcom/trowel/im/ChatActivity;->db:Lcom/trowel/im/ChatDb;
    return-void
.end method

.method public onClick(Landroid/view/View;)V
    .registers 8
    const v0, 0x7f010001
    invoke-virtual {p0, v0}, Lcom/trowel/im/ChatActivity;->findViewById(I)Landroid/view/View;
    move-result-object v0
    check-cast v0, Landroid/widget/EditText;
    invoke-virtual {v0}, Landroid/widget/EditText;->getText()Landroid/text/Editable;
    move-result-object v0
    invoke-virtual {v0}, Ljava/lang/Object;->toString()Ljava/lang/String;
    move-result-object v0
    invoke-static {}, Ljava/lang/System;->currentTimeMillis()J
    move-result-wide v1
    iget-object v3, p0, Lcom/trowel/im/ChatActivity;->db:Lcom/trowel/im/ChatDb;
    invoke-virtual {v3, v0, v1, v2}, Lcom/trowel/im/ChatDb;->addMessage(Ljava/lang/String;J)V
    return-void
.end method
