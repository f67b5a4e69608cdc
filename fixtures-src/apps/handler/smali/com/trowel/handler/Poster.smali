.class public Lcom/trowel/handler/Poster;
.super Ljava/lang/Object;
.implements Ljava/lang/Runnable;

.field private where:Landroid/location/Location;

.method public constructor <init>(Landroid/location/Location;)V
    .registers 2
    invoke-direct {p0}, Ljava/lang/Object;-><init>()V
    iput-object p1, p0, Lcom/trowel/handler/Poster;->where:Landroid/location/Location;
    return-void
.end method

.method public run()V
    .registers 6
    iget-object v0, p0, Lcom/trowel/handler/Poster;->where:Landroid/location/Location;
    invoke-virtual {v0}, Landroid/location/Location;->getLatitude()D
    move-result-wide v0
    sget-object v2, Lcom/trowel/handler/Main;->context:Landroid/content/Context;
    const-string v3, "posted.txt"
    const/4 v4, 0x0
    invoke-virtual {v2, v3, v4}, Landroid/content/Context;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v2
    new-instance v3, Ljava/io/DataOutputStream;
    invoke-direct {v3, v2}, Ljava/io/DataOutputStream;-><init>(Ljava/io/OutputStream;)V
    invoke-virtual {v3, v0, v1}, Ljava/io/DataOutputStream;->writeDouble(D)V
    return-void
.end method
