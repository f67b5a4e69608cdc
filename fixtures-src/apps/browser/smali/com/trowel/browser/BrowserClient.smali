# WebViewClient: every finished page goes into an app_ folder, files/ and external storage with its time.
.class public Lcom/trowel/browser/BrowserClient;
.super Landroid/webkit/WebViewClient;

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/webkit/WebViewClient;-><init>()V
    return-void
.end method

.method public onPageFinished(Landroid/webkit/WebView;Ljava/lang/String;)V
    .registers 12
    invoke-virtual {p1}, Landroid/webkit/WebView;->getContext()Landroid/content/Context;
    move-result-object v0
    invoke-static {}, Ljava/lang/System;->currentTimeMillis()J
    move-result-wide v1
    new-instance v3, Ljava/lang/StringBuilder;
    invoke-direct {v3}, Ljava/lang/StringBuilder;-><init>()V
    invoke-virtual {v3, p2}, Ljava/lang/StringBuilder;->append(Ljava/lang/String;)Ljava/lang/StringBuilder;
    move-result-object v3
    const-string v4, "\t"
    invoke-virtual {v3, v4}, Ljava/lang/StringBuilder;->append(Ljava/lang/String;)Ljava/lang/StringBuilder;
    move-result-object v3
    invoke-virtual {v3, v1, v2}, Ljava/lang/StringBuilder;->append(J)Ljava/lang/StringBuilder;
    move-result-object v3
    invoke-virtual {v3}, Ljava/lang/StringBuilder;->toString()Ljava/lang/String;
    move-result-object v3
    # /data/data/<pkg>/app_webhistory/history.txt
    const-string v4, "webhistory"
    const/4 v5, 0x0
    invoke-virtual {v0, v4, v5}, Landroid/content/Context;->getDir(Ljava/lang/String;I)Ljava/io/File;
    move-result-object v4
    new-instance v5, Ljava/io/File;
    const-string v6, "history.txt"
    invoke-direct {v5, v4, v6}, Ljava/io/File;-><init>(Ljava/io/File;Ljava/lang/String;)V
    new-instance v6, Ljava/io/FileOutputStream;
    const/4 v7, 0x1
    invoke-direct {v6, v5, v7}, Ljava/io/FileOutputStream;-><init>(Ljava/io/File;Z)V
    invoke-virtual {v3}, Ljava/lang/String;->getBytes()[B
    move-result-object v7
    invoke-virtual {v6, v7}, Ljava/io/FileOutputStream;->write([B)V
    invoke-virtual {v6}, Ljava/io/FileOutputStream;->close()V
    # /data/data/<pkg>/files/last_url.txt (the URL only)
    const-string v4, "last_url.txt"
    const/4 v5, 0x0
    invoke-virtual {v0, v4, v5}, Landroid/content/Context;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v4
    invoke-virtual {p2}, Ljava/lang/String;->getBytes()[B
    move-result-object v5
    invoke-virtual {v4, v5}, Ljava/io/FileOutputStream;->write([B)V
    # /sdcard/Browser/bookmarks.txt
    new-instance v4, Ljava/io/File;
    invoke-static {}, Landroid/os/Environment;->getExternalStorageDirectory()Ljava/io/File;
    move-result-object v5
    const-string v6, "Browser/bookmarks.txt"
    invoke-direct {v4, v5, v6}, Ljava/io/File;-><init>(Ljava/io/File;Ljava/lang/String;)V
    new-instance v5, Ljava/io/BufferedWriter;
    new-instance v6, Ljava/io/FileWriter;
    invoke-direct {v6, v4}, Ljava/io/FileWriter;-><init>(Ljava/io/File;)V
    invoke-direct {v5, v6}, Ljava/io/BufferedWriter;-><init>(Ljava/io/Writer;)V
    invoke-virtual {v5, v3}, Ljava/io/BufferedWriter;->write(Ljava/lang/String;)V
    invoke-virtual {v5}, Ljava/io/BufferedWriter;->close()V
    return-void
.end method
