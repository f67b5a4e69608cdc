.class final Lcom/trowel/lambda/Main$save$1;
.super Lkotlin/coroutines/jvm/internal/SuspendLambda;

.field final synthetic this$0:Lcom/trowel/lambda/Main;
.field final synthetic $text:Ljava/lang/CharSequence;

.method constructor <init>(Lcom/trowel/lambda/Main;Ljava/lang/CharSequence;Lkotlin/coroutines/Continuation;)V
    .registers 5
    iput-object p1, p0, Lcom/trowel/lambda/Main$save$1;->this$0:Lcom/trowel/lambda/Main;
    iput-object p2, p0, Lcom/trowel/lambda/Main$save$1;->$text:Ljava/lang/CharSequence;
    const/4 v0, 0x2
    invoke-direct {p0, v0, p3}, Lkotlin/coroutines/jvm/internal/SuspendLambda;-><init>(ILkotlin/coroutines/Continuation;)V
    return-void
.end method

.method public final invokeSuspend(Ljava/lang/Object;)Ljava/lang/Object;
    .registers 5
    iget-object v0, p0, Lcom/trowel/lambda/Main$save$1;->this$0:Lcom/trowel/lambda/Main;
    const-string v1, "clip.txt"
    const/4 v2, 0x0
    invoke-virtual {v0, v1, v2}, Lcom/trowel/lambda/Main;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v0
    iget-object v1, p0, Lcom/trowel/lambda/Main$save$1;->$text:Ljava/lang/CharSequence;
    invoke-interface {v1}, Ljava/lang/CharSequence;->toString()Ljava/lang/String;
    move-result-object v1
    invoke-virtual {v1}, Ljava/lang/String;->getBytes()[B
    move-result-object v1
    invoke-virtual {v0, v1}, Ljava/io/FileOutputStream;->write([B)V
    sget-object v0, Lkotlin/Unit;->INSTANCE:Lkotlin/Unit;
    return-object v0
.end method
