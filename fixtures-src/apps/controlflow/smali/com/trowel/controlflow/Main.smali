# Control flow the other apps do not have: packed- and sparse-switch, try/catch with a handler that writes,
# invoke-static/range with wide arguments, a loop that grows a path, and recursion.
.class public Lcom/trowel/controlflow/Main;
.super Landroid/app/Activity;
.implements Landroid/location/LocationListener;

.field private mode:I

.method public onLocationChanged(Landroid/location/Location;)V
    .registers 10
    invoke-virtual {p1}, Landroid/location/Location;->getLatitude()D
    move-result-wide v1
    invoke-static {}, Ljava/lang/System;->currentTimeMillis()J
    move-result-wide v3
    invoke-direct {p0}, Lcom/trowel/controlflow/Main;->pick()Ljava/lang/String;
    move-result-object v5
    move-object v0, p0
    :try_start
    invoke-static/range {v0 .. v5}, Lcom/trowel/controlflow/Main;->store(Landroid/content/Context;DJLjava/lang/String;)V
    :try_end
    .catch Ljava/io/IOException; {:try_start .. :try_end} :handler
    const/4 v6, 0x3
    invoke-direct {p0, v6, v1, v2}, Lcom/trowel/controlflow/Main;->countdown(ID)V
    return-void
    :handler
    move-exception v6
    const-string v6, "error.log"
    const/4 v7, 0x0
    invoke-virtual {p0, v6, v7}, Lcom/trowel/controlflow/Main;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v6
    new-instance v7, Ljava/io/PrintStream;
    invoke-direct {v7, v6}, Ljava/io/PrintStream;-><init>(Ljava/io/OutputStream;)V
    invoke-static {v3, v4}, Ljava/lang/String;->valueOf(J)Ljava/lang/String;
    move-result-object v8
    invoke-virtual {v7, v8}, Ljava/io/PrintStream;->println(Ljava/lang/String;)V
    return-void
.end method

.method private pick()Ljava/lang/String;
    .registers 3
    iget v0, p0, Lcom/trowel/controlflow/Main;->mode:I
    packed-switch v0, :packed
    sparse-switch v0, :sparse
    const-string v1, "d.txt"
    return-object v1
    :case_a
    const-string v1, "a.txt"
    return-object v1
    :case_b
    const-string v1, "b.txt"
    return-object v1
    :case_c
    const-string v1, "c.txt"
    return-object v1
    :packed
    .packed-switch 0x0
        :case_a
        :case_b
    .end packed-switch
    :sparse
    .sparse-switch
        0x64 -> :case_c
    .end sparse-switch
.end method

.method public static store(Landroid/content/Context;DJLjava/lang/String;)V
    .registers 9
    const/4 v0, 0x0
    invoke-virtual {p0, p5, v0}, Landroid/content/Context;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v0
    new-instance v1, Ljava/io/DataOutputStream;
    invoke-direct {v1, v0}, Ljava/io/DataOutputStream;-><init>(Ljava/io/OutputStream;)V
    invoke-virtual {v1, p1, p2}, Ljava/io/DataOutputStream;->writeDouble(D)V
    invoke-virtual {v1, p3, p4}, Ljava/io/DataOutputStream;->writeLong(J)V
    return-void
.end method

.method private countdown(ID)V
    .registers 9
    if-lez p1, :done
    add-int/lit8 v0, p1, -0x1
    invoke-direct {p0, v0, p2, p3}, Lcom/trowel/controlflow/Main;->countdown(ID)V
    new-instance v1, Ljava/lang/StringBuilder;
    const-string v2, "depth_"
    invoke-direct {v1, v2}, Ljava/lang/StringBuilder;-><init>(Ljava/lang/String;)V
    :loop
    if-lez v0, :write
    invoke-virtual {v1, v0}, Ljava/lang/StringBuilder;->append(I)Ljava/lang/StringBuilder;
    add-int/lit8 v0, v0, -0x1
    goto :loop
    :write
    invoke-virtual {v1}, Ljava/lang/StringBuilder;->toString()Ljava/lang/String;
    move-result-object v2
    new-instance v3, Ljava/io/File;
    invoke-virtual {p0}, Lcom/trowel/controlflow/Main;->getCacheDir()Ljava/io/File;
    move-result-object v4
    invoke-direct {v3, v4, v2}, Ljava/io/File;-><init>(Ljava/io/File;Ljava/lang/String;)V
    new-instance v4, Ljava/io/RandomAccessFile;
    const-string v5, "rw"
    invoke-direct {v4, v3, v5}, Ljava/io/RandomAccessFile;-><init>(Ljava/io/File;Ljava/lang/String;)V
    invoke-virtual {v4, p2, p3}, Ljava/io/RandomAccessFile;->writeDouble(D)V
    :done
    return-void
.end method
