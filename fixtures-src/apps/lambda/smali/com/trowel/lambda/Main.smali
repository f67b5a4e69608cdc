# Lambdas and coroutines followed like ordinary calls: a D8-desugared lambda class run by a Thread, an
# invoke-custom lambda (LambdaMetafactory) posted to a Handler, and a Kotlin suspend lambda's invokeSuspend.
.class public Lcom/trowel/lambda/Main;
.super Landroid/app/Activity;

.method public onCreate(Landroid/os/Bundle;)V
    .registers 7
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    const v0, 0x7f010001
    invoke-virtual {p0, v0}, Lcom/trowel/lambda/Main;->findViewById(I)Landroid/view/View;
    move-result-object v0
    check-cast v0, Landroid/widget/EditText;
    invoke-virtual {v0}, Landroid/widget/EditText;->getText()Landroid/text/Editable;
    move-result-object v0
    invoke-virtual {v0}, Ljava/lang/Object;->toString()Ljava/lang/String;
    move-result-object v0
    new-instance v1, Lcom/trowel/lambda/Main$$ExternalSyntheticLambda0;
    invoke-direct {v1, p0, v0}, Lcom/trowel/lambda/Main$$ExternalSyntheticLambda0;-><init>(Lcom/trowel/lambda/Main;Ljava/lang/String;)V
    new-instance v2, Ljava/lang/Thread;
    invoke-direct {v2, v1}, Ljava/lang/Thread;-><init>(Ljava/lang/Runnable;)V
    invoke-virtual {v2}, Ljava/lang/Thread;->start()V
    const-string v2, "location"
    invoke-virtual {p0, v2}, Lcom/trowel/lambda/Main;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v2
    check-cast v2, Landroid/location/LocationManager;
    const-string v3, "gps"
    invoke-virtual {v2, v3}, Landroid/location/LocationManager;->getLastKnownLocation(Ljava/lang/String;)Landroid/location/Location;
    move-result-object v2
    invoke-custom {p0, v2}, call_site_0("run", (Lcom/trowel/lambda/Main;Landroid/location/Location;)Ljava/lang/Runnable;, ()V, invoke-direct@Lcom/trowel/lambda/Main;->lambda$onCreate$1(Landroid/location/Location;)V, ()V)@Ljava/lang/invoke/LambdaMetafactory;->metafactory(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;Ljava/lang/invoke/MethodType;Ljava/lang/invoke/MethodHandle;Ljava/lang/invoke/MethodType;)Ljava/lang/invoke/CallSite;
    move-result-object v3
    new-instance v4, Landroid/os/Handler;
    invoke-direct {v4}, Landroid/os/Handler;-><init>()V
    invoke-virtual {v4, v3}, Landroid/os/Handler;->post(Ljava/lang/Runnable;)Z
    const-string v3, "clipboard"
    invoke-virtual {p0, v3}, Lcom/trowel/lambda/Main;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v3
    check-cast v3, Landroid/content/ClipboardManager;
    invoke-virtual {v3}, Landroid/content/ClipboardManager;->getText()Ljava/lang/CharSequence;
    move-result-object v3
    new-instance v4, Lcom/trowel/lambda/Main$save$1;
    const/4 v5, 0x0
    invoke-direct {v4, p0, v3, v5}, Lcom/trowel/lambda/Main$save$1;-><init>(Lcom/trowel/lambda/Main;Ljava/lang/CharSequence;Lkotlin/coroutines/Continuation;)V
    return-void
.end method

.method static synthetic lambda$onCreate$0(Lcom/trowel/lambda/Main;Ljava/lang/String;)V
    .registers 4
    const-string v0, "lambda.txt"
    const/4 v1, 0x0
    invoke-virtual {p0, v0, v1}, Lcom/trowel/lambda/Main;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v0
    invoke-virtual {p1}, Ljava/lang/String;->getBytes()[B
    move-result-object v1
    invoke-virtual {v0, v1}, Ljava/io/FileOutputStream;->write([B)V
    return-void
.end method

.method private synthetic lambda$onCreate$1(Landroid/location/Location;)V
    .registers 5
    invoke-virtual {p1}, Landroid/location/Location;->getLongitude()D
    move-result-wide v0
    invoke-static {v0, v1}, Ljava/lang/String;->valueOf(D)Ljava/lang/String;
    move-result-object v0
    const-string v1, "custom.txt"
    const/4 v2, 0x0
    invoke-virtual {p0, v1, v2}, Lcom/trowel/lambda/Main;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v1
    invoke-virtual {v0}, Ljava/lang/String;->getBytes()[B
    move-result-object v0
    invoke-virtual {v1, v0}, Ljava/io/FileOutputStream;->write([B)V
    return-void
.end method
