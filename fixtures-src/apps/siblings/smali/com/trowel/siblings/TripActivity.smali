.class public Lcom/trowel/siblings/TripActivity;
.super Lcom/trowel/siblings/Base;

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Lcom/trowel/siblings/Base;-><init>()V
    return-void
.end method

.method public onCreate(Landroid/os/Bundle;)V
    .registers 6
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    const-string v0, "trip"
    const/4 v1, 0x0
    invoke-virtual {p0, v0, v1}, Lcom/trowel/siblings/TripActivity;->getSharedPreferences(Ljava/lang/String;I)Landroid/content/SharedPreferences;
    move-result-object v0
    invoke-interface {v0}, Landroid/content/SharedPreferences;->edit()Landroid/content/SharedPreferences$Editor;
    move-result-object v0
    iput-object v0, p0, Lcom/trowel/siblings/TripActivity;->editor:Landroid/content/SharedPreferences$Editor;
    const-string v0, "location"
    invoke-virtual {p0, v0}, Lcom/trowel/siblings/TripActivity;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, Landroid/location/LocationManager;
    const-string v1, "gps"
    invoke-virtual {v0, v1}, Landroid/location/LocationManager;->getLastKnownLocation(Ljava/lang/String;)Landroid/location/Location;
    move-result-object v0
    invoke-virtual {v0}, Landroid/location/Location;->getLatitude()D
    move-result-wide v0
    invoke-static {v0, v1}, Ljava/lang/String;->valueOf(D)Ljava/lang/String;
    move-result-object v0
    const-string v1, "lat"
    invoke-virtual {p0, v1, v0}, Lcom/trowel/siblings/TripActivity;->store(Ljava/lang/String;Ljava/lang/String;)V
    return-void
.end method
