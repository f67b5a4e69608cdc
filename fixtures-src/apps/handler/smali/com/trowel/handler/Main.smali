# Handler mechanism: post(Runnable) -> run() writes the location; sendMessage -> handleMessage writes the time.
.class public Lcom/trowel/handler/Main;
.super Landroid/app/Activity;

.field public static context:Landroid/content/Context;

.method public onCreate(Landroid/os/Bundle;)V
    .registers 7
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    sput-object p0, Lcom/trowel/handler/Main;->context:Landroid/content/Context;
    const-string v0, "location"
    invoke-virtual {p0, v0}, Lcom/trowel/handler/Main;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, Landroid/location/LocationManager;
    const-string v1, "gps"
    invoke-virtual {v0, v1}, Landroid/location/LocationManager;->getLastKnownLocation(Ljava/lang/String;)Landroid/location/Location;
    move-result-object v0
    new-instance v1, Lcom/trowel/handler/Poster;
    invoke-direct {v1, v0}, Lcom/trowel/handler/Poster;-><init>(Landroid/location/Location;)V
    new-instance v2, Landroid/os/Handler;
    invoke-direct {v2}, Landroid/os/Handler;-><init>()V
    invoke-virtual {v2, v1}, Landroid/os/Handler;->post(Ljava/lang/Runnable;)Z
    new-instance v3, Lcom/trowel/handler/TimeHandler;
    invoke-direct {v3}, Lcom/trowel/handler/TimeHandler;-><init>()V
    invoke-static {}, Landroid/os/Message;->obtain()Landroid/os/Message;
    move-result-object v4
    invoke-static {}, Ljava/lang/System;->currentTimeMillis()J
    move-result-wide v0
    invoke-static {v0, v1}, Ljava/lang/Long;->valueOf(J)Ljava/lang/Long;
    move-result-object v5
    iput-object v5, v4, Landroid/os/Message;->obj:Ljava/lang/Object;
    invoke-virtual {v3, v4}, Lcom/trowel/handler/TimeHandler;->sendMessage(Landroid/os/Message;)Z
    return-void
.end method
