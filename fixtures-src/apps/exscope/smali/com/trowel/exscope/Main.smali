# Exception edges are scoped: the block that loads the CREATE TABLE text into v1 is covered by the second
# try range only, so the first range's handler (which reopens the database named by v1) sees "fixes.db".
.class public Lcom/trowel/exscope/Main;
.super Landroid/app/Activity;
.implements Landroid/location/LocationListener;

.method public onLocationChanged(Landroid/location/Location;)V
    .registers 9
    const-string v1, "fixes.db"
    const/4 v2, 0x0
    const/4 v3, 0x0
    :try_open_start
    invoke-virtual {p0, v1, v2, v3}, Lcom/trowel/exscope/Main;->openOrCreateDatabase(Ljava/lang/String;ILandroid/database/sqlite/SQLiteDatabase$CursorFactory;)Landroid/database/sqlite/SQLiteDatabase;
    move-result-object v0
    :try_open_end
    .catch Landroid/database/sqlite/SQLiteException; {:try_open_start .. :try_open_end} :reopen
    goto :create
    :reopen
    invoke-virtual {p0, v1, v2, v3}, Lcom/trowel/exscope/Main;->openOrCreateDatabase(Ljava/lang/String;ILandroid/database/sqlite/SQLiteDatabase$CursorFactory;)Landroid/database/sqlite/SQLiteDatabase;
    move-result-object v0
    :create
    const-string v1, "CREATE TABLE IF NOT EXISTS fix (lat REAL)"
    :try_sql_start
    invoke-virtual {v0, v1}, Landroid/database/sqlite/SQLiteDatabase;->execSQL(Ljava/lang/String;)V
    :try_sql_end
    .catch Landroid/database/SQLException; {:try_sql_start .. :try_sql_end} :insert
    :insert
    new-instance v4, Landroid/content/ContentValues;
    invoke-direct {v4}, Landroid/content/ContentValues;-><init>()V
    invoke-virtual {p1}, Landroid/location/Location;->getLatitude()D
    move-result-wide v5
    invoke-static {v5, v6}, Ljava/lang/Double;->valueOf(D)Ljava/lang/Double;
    move-result-object v5
    const-string v6, "lat"
    invoke-virtual {v4, v6, v5}, Landroid/content/ContentValues;->put(Ljava/lang/String;Ljava/lang/Double;)V
    const-string v6, "fix"
    invoke-virtual {v0, v6, v3, v4}, Landroid/database/sqlite/SQLiteDatabase;->insert(Ljava/lang/String;Ljava/lang/String;Landroid/content/ContentValues;)J
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
