# A bundled support-library class (stand-in): summarised as library code, so its write is not predicted.
.class public Landroid/support/v4/util/DebugLog;
.super Ljava/lang/Object;

.method public static write(Landroid/content/Context;Ljava/lang/String;)V
    .registers 5
    const-string v0, "support.log"
    const/4 v1, 0x0
    invoke-virtual {p0, v0, v1}, Landroid/content/Context;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v0
    invoke-virtual {p1}, Ljava/lang/String;->getBytes()[B
    move-result-object v1
    invoke-virtual {v0, v1}, Ljava/io/FileOutputStream;->write([B)V
    return-void
.end method
