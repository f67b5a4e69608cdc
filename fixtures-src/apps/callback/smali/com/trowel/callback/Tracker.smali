.class public Lcom/trowel/callback/Tracker;
.super Ljava/lang/Object;
.implements Landroid/location/LocationListener;

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Ljava/lang/Object;-><init>()V
    return-void
.end method

.method public onLocationChanged(Landroid/location/Location;)V
    .registers 6
    invoke-virtual {p1}, Landroid/location/Location;->getLongitude()D
    move-result-wide v0
    sget-object v2, Lcom/trowel/callback/Main;->context:Landroid/content/Context;
    const-string v3, "where.txt"
    const/4 v4, 0x0
    invoke-virtual {v2, v3, v4}, Landroid/content/Context;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v2
    invoke-static {v0, v1}, Ljava/lang/String;->valueOf(D)Ljava/lang/String;
    move-result-object v3
    invoke-virtual {v3}, Ljava/lang/String;->getBytes()[B
    move-result-object v3
    invoke-virtual {v2, v3}, Ljava/io/FileOutputStream;->write([B)V
    return-void
.end method
