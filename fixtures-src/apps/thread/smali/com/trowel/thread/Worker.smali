.class public Lcom/trowel/thread/Worker;
.super Ljava/lang/Thread;

.field private draft:Ljava/lang/String;

.method public constructor <init>(Ljava/lang/String;)V
    .registers 2
    invoke-direct {p0}, Ljava/lang/Thread;-><init>()V
    iput-object p1, p0, Lcom/trowel/thread/Worker;->draft:Ljava/lang/String;
    return-void
.end method

.method public run()V
    .registers 5
    sget-object v0, Lcom/trowel/thread/Main;->context:Landroid/content/Context;
    const-string v1, "worker"
    const/4 v2, 0x0
    invoke-virtual {v0, v1, v2}, Landroid/content/Context;->getDir(Ljava/lang/String;I)Ljava/io/File;
    move-result-object v0
    new-instance v1, Ljava/io/File;
    const-string v2, "draft.txt"
    invoke-direct {v1, v0, v2}, Ljava/io/File;-><init>(Ljava/io/File;Ljava/lang/String;)V
    new-instance v0, Ljava/io/FileWriter;
    invoke-direct {v0, v1}, Ljava/io/FileWriter;-><init>(Ljava/io/File;)V
    iget-object v1, p0, Lcom/trowel/thread/Worker;->draft:Ljava/lang/String;
    invoke-virtual {v0, v1}, Ljava/io/Writer;->write(Ljava/lang/String;)V
    return-void
.end method
