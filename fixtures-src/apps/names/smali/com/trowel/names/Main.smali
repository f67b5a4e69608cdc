# Names resolved as Android resolves them: getString(R.string.journal_db) through resources.arsc
# ("journal.db"), getPackageName() + ".log", and File.getName() of a path under files/.
.class public Lcom/trowel/names/Main;
.super Landroid/app/Activity;
.implements Landroid/location/LocationListener;

.method public onLocationChanged(Landroid/location/Location;)V
    .registers 9
    invoke-virtual {p1}, Landroid/location/Location;->getLatitude()D
    move-result-wide v0
    invoke-static {v0, v1}, Ljava/lang/String;->valueOf(D)Ljava/lang/String;
    move-result-object v0
    const v1, 0x7f020001
    invoke-virtual {p0, v1}, Lcom/trowel/names/Main;->getString(I)Ljava/lang/String;
    move-result-object v1
    const/4 v2, 0x0
    const/4 v3, 0x0
    invoke-virtual {p0, v1, v2, v3}, Lcom/trowel/names/Main;->openOrCreateDatabase(Ljava/lang/String;ILandroid/database/sqlite/SQLiteDatabase$CursorFactory;)Landroid/database/sqlite/SQLiteDatabase;
    move-result-object v1
    new-instance v2, Landroid/content/ContentValues;
    invoke-direct {v2}, Landroid/content/ContentValues;-><init>()V
    const-string v4, "lat"
    invoke-virtual {v2, v4, v0}, Landroid/content/ContentValues;->put(Ljava/lang/String;Ljava/lang/String;)V
    const-string v4, "fixes"
    invoke-virtual {v1, v4, v3, v2}, Landroid/database/sqlite/SQLiteDatabase;->insert(Ljava/lang/String;Ljava/lang/String;Landroid/content/ContentValues;)J
    new-instance v1, Ljava/lang/StringBuilder;
    invoke-direct {v1}, Ljava/lang/StringBuilder;-><init>()V
    invoke-virtual {p0}, Lcom/trowel/names/Main;->getPackageName()Ljava/lang/String;
    move-result-object v2
    invoke-virtual {v1, v2}, Ljava/lang/StringBuilder;->append(Ljava/lang/String;)Ljava/lang/StringBuilder;
    const-string v2, ".log"
    invoke-virtual {v1, v2}, Ljava/lang/StringBuilder;->append(Ljava/lang/String;)Ljava/lang/StringBuilder;
    invoke-virtual {v1}, Ljava/lang/StringBuilder;->toString()Ljava/lang/String;
    move-result-object v1
    const/4 v2, 0x0
    invoke-virtual {p0, v1, v2}, Lcom/trowel/names/Main;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v1
    invoke-virtual {v0}, Ljava/lang/String;->getBytes()[B
    move-result-object v5
    invoke-virtual {v1, v5}, Ljava/io/FileOutputStream;->write([B)V
    new-instance v1, Ljava/io/File;
    invoke-virtual {p0}, Lcom/trowel/names/Main;->getFilesDir()Ljava/io/File;
    move-result-object v2
    const-string v4, "exports/trip.gpx"
    invoke-direct {v1, v2, v4}, Ljava/io/File;-><init>(Ljava/io/File;Ljava/lang/String;)V
    invoke-virtual {v1}, Ljava/io/File;->getName()Ljava/lang/String;
    move-result-object v1
    new-instance v2, Ljava/io/File;
    invoke-virtual {p0}, Lcom/trowel/names/Main;->getCacheDir()Ljava/io/File;
    move-result-object v4
    invoke-direct {v2, v4, v1}, Ljava/io/File;-><init>(Ljava/io/File;Ljava/lang/String;)V
    new-instance v4, Ljava/io/FileOutputStream;
    invoke-direct {v4, v2}, Ljava/io/FileOutputStream;-><init>(Ljava/io/File;)V
    invoke-virtual {v4, v5}, Ljava/io/FileOutputStream;->write([B)V
    return-void
.end method

.method public onStatusChanged(Ljava/lang/String;ILandroid/os/Bundle;)V
    .registers 4
    return-void
.end method

.method public onProviderEnabled(Ljava/lang/String;)V
    .registers 2
    return-void
.end method

.method public onProviderDisabled(Ljava/lang/String;)V
    .registers 2
    return-void
.end method
