# Thread mechanism: typed text goes to a Runnable run by a Thread and to a Thread subclass; the time goes to a
# Runnable run by an Executor.
.class public Lcom/trowel/thread/Main;
.super Landroid/app/Activity;

.field public static context:Landroid/content/Context;

.method public onCreate(Landroid/os/Bundle;)V
    .registers 6
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    sput-object p0, Lcom/trowel/thread/Main;->context:Landroid/content/Context;
    const v0, 0x7f010001
    invoke-virtual {p0, v0}, Lcom/trowel/thread/Main;->findViewById(I)Landroid/view/View;
    move-result-object v0
    check-cast v0, Landroid/widget/EditText;
    invoke-virtual {v0}, Landroid/widget/EditText;->getText()Landroid/text/Editable;
    move-result-object v0
    invoke-virtual {v0}, Ljava/lang/Object;->toString()Ljava/lang/String;
    move-result-object v0
    new-instance v1, Lcom/trowel/thread/Saver;
    invoke-direct {v1, v0}, Lcom/trowel/thread/Saver;-><init>(Ljava/lang/String;)V
    new-instance v2, Ljava/lang/Thread;
    invoke-direct {v2, v1}, Ljava/lang/Thread;-><init>(Ljava/lang/Runnable;)V
    invoke-virtual {v2}, Ljava/lang/Thread;->start()V
    invoke-static {}, Ljava/util/concurrent/Executors;->newSingleThreadExecutor()Ljava/util/concurrent/ExecutorService;
    move-result-object v3
    new-instance v4, Lcom/trowel/thread/Stamper;
    invoke-direct {v4}, Lcom/trowel/thread/Stamper;-><init>()V
    invoke-interface {v3, v4}, Ljava/util/concurrent/ExecutorService;->execute(Ljava/lang/Runnable;)V
    new-instance v1, Lcom/trowel/thread/Worker;
    invoke-direct {v1, v0}, Lcom/trowel/thread/Worker;-><init>(Ljava/lang/String;)V
    invoke-virtual {v1}, Lcom/trowel/thread/Worker;->start()V
    return-void
.end method
