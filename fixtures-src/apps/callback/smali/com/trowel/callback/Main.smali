# Callback mechanism: a separate LocationListener class (not a manifest component) writes the longitude.
.class public Lcom/trowel/callback/Main;
.super Landroid/app/Activity;

.field public static context:Landroid/content/Context;

.method public onCreate(Landroid/os/Bundle;)V
    .registers 8
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    sput-object p0, Lcom/trowel/callback/Main;->context:Landroid/content/Context;
    const-string v0, "location"
    invoke-virtual {p0, v0}, Lcom/trowel/callback/Main;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, Landroid/location/LocationManager;
    const-string v1, "gps"
    const-wide/16 v2, 0x0
    const/4 v4, 0x0
    new-instance v5, Lcom/trowel/callback/Tracker;
    invoke-direct {v5}, Lcom/trowel/callback/Tracker;-><init>()V
    invoke-virtual/range {v0 .. v5}, Landroid/location/LocationManager;->requestLocationUpdates(Ljava/lang/String;JFLandroid/location/LocationListener;)V
    return-void
.end method
