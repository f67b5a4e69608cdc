# External storage: getExternalFilesDir(null)/gps.txt (location) and the public Download folder (time).
.class public Lcom/trowel/external/Main;
.super Landroid/app/Activity;
.implements Landroid/location/LocationListener;

.method public onLocationChanged(Landroid/location/Location;)V
    .registers 8
    const/4 v0, 0x0
    invoke-virtual {p0, v0}, Lcom/trowel/external/Main;->getExternalFilesDir(Ljava/lang/String;)Ljava/io/File;
    move-result-object v0
    new-instance v1, Ljava/io/File;
    const-string v2, "gps.txt"
    invoke-direct {v1, v0, v2}, Ljava/io/File;-><init>(Ljava/io/File;Ljava/lang/String;)V
    new-instance v2, Ljava/io/PrintWriter;
    invoke-direct {v2, v1}, Ljava/io/PrintWriter;-><init>(Ljava/io/File;)V
    invoke-virtual {p1}, Landroid/location/Location;->getLongitude()D
    move-result-wide v3
    invoke-virtual {v2, v3, v4}, Ljava/io/PrintWriter;->println(D)V
    invoke-virtual {v2}, Ljava/io/PrintWriter;->close()V
    sget-object v0, Landroid/os/Environment;->DIRECTORY_DOWNLOADS:Ljava/lang/String;
    invoke-static {v0}, Landroid/os/Environment;->getExternalStoragePublicDirectory(Ljava/lang/String;)Ljava/io/File;
    move-result-object v0
    new-instance v1, Ljava/lang/StringBuilder;
    invoke-direct {v1}, Ljava/lang/StringBuilder;-><init>()V
    invoke-virtual {v0}, Ljava/io/File;->getAbsolutePath()Ljava/lang/String;
    move-result-object v2
    invoke-virtual {v1, v2}, Ljava/lang/StringBuilder;->append(Ljava/lang/String;)Ljava/lang/StringBuilder;
    move-result-object v1
    const-string v2, "/trip.log"
    invoke-virtual {v1, v2}, Ljava/lang/StringBuilder;->append(Ljava/lang/String;)Ljava/lang/StringBuilder;
    move-result-object v1
    invoke-virtual {v1}, Ljava/lang/StringBuilder;->toString()Ljava/lang/String;
    move-result-object v1
    new-instance v2, Ljava/io/FileOutputStream;
    invoke-direct {v2, v1}, Ljava/io/FileOutputStream;-><init>(Ljava/lang/String;)V
    new-instance v5, Ljava/util/Date;
    invoke-direct {v5}, Ljava/util/Date;-><init>()V
    invoke-virtual {v5}, Ljava/util/Date;->toString()Ljava/lang/String;
    move-result-object v5
    invoke-virtual {v5}, Ljava/lang/String;->getBytes()[B
    move-result-object v5
    invoke-virtual {v2, v5}, Ljava/io/FileOutputStream;->write([B)V
    return-void
.end method
