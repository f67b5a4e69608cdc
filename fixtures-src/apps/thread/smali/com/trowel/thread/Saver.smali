.class public Lcom/trowel/thread/Saver;
.super Ljava/lang/Object;
.implements Ljava/lang/Runnable;

.field private text:Ljava/lang/String;

.method public constructor <init>(Ljava/lang/String;)V
    .registers 2
    invoke-direct {p0}, Ljava/lang/Object;-><init>()V
    iput-object p1, p0, Lcom/trowel/thread/Saver;->text:Ljava/lang/String;
    return-void
.end method

.method public run()V
    .registers 5
    sget-object v0, Lcom/trowel/thread/Main;->context:Landroid/content/Context;
    const-string v1, "note.txt"
    const/4 v2, 0x0
    invoke-virtual {v0, v1, v2}, Landroid/content/Context;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v0
    iget-object v1, p0, Lcom/trowel/thread/Saver;->text:Ljava/lang/String;
    invoke-virtual {v1}, Ljava/lang/String;->getBytes()[B
    move-result-object v1
    invoke-virtual {v0, v1}, Ljava/io/FileOutputStream;->write([B)V
    return-void
.end method
