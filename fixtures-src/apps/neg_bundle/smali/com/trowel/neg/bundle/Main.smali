# Negative: the location only goes into the saved-instance Bundle, never into a file.
.class public Lcom/trowel/neg/bundle/Main;
.super Landroid/app/Activity;

.method protected onSaveInstanceState(Landroid/os/Bundle;)V
    .registers 6
    invoke-super {p0, p1}, Landroid/app/Activity;->onSaveInstanceState(Landroid/os/Bundle;)V
    const-string v0, "location"
    invoke-virtual {p0, v0}, Lcom/trowel/neg/bundle/Main;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, Landroid/location/LocationManager;
    const-string v1, "gps"
    invoke-virtual {v0, v1}, Landroid/location/LocationManager;->getLastKnownLocation(Ljava/lang/String;)Landroid/location/Location;
    move-result-object v0
    invoke-virtual {v0}, Landroid/location/Location;->getLatitude()D
    move-result-wide v2
    const-string v1, "lat"
    invoke-virtual {p1, v1, v2, v3}, Landroid/os/Bundle;->putDouble(Ljava/lang/String;D)V
    return-void
.end method
