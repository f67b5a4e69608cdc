# Negative: location, time and typed text are read but only logged, shown and sent over a socket, never
# written to a file.
.class public Lcom/trowel/neg/nosink/Main;
.super Landroid/app/Activity;
.implements Landroid/location/LocationListener;

.method public onLocationChanged(Landroid/location/Location;)V
    .registers 7
    invoke-virtual {p1}, Landroid/location/Location;->getLatitude()D
    move-result-wide v0
    invoke-static {v0, v1}, Ljava/lang/String;->valueOf(D)Ljava/lang/String;
    move-result-object v2
    const-string v3, "nosink"
    invoke-static {v3, v2}, Landroid/util/Log;->d(Ljava/lang/String;Ljava/lang/String;)I
    invoke-static {}, Ljava/lang/System;->currentTimeMillis()J
    move-result-wide v0
    const v2, 0x7f010001
    invoke-virtual {p0, v2}, Lcom/trowel/neg/nosink/Main;->findViewById(I)Landroid/view/View;
    move-result-object v2
    check-cast v2, Landroid/widget/EditText;
    invoke-virtual {v2}, Landroid/widget/EditText;->getText()Landroid/text/Editable;
    move-result-object v4
    invoke-virtual {v2, v4}, Landroid/widget/EditText;->setText(Ljava/lang/CharSequence;)V
    # sent over a socket: an OutputStream that is not a file
    new-instance v2, Ljava/net/Socket;
    const-string v3, "192.0.2.1"
    const/16 v4, 0x50
    invoke-direct {v2, v3, v4}, Ljava/net/Socket;-><init>(Ljava/lang/String;I)V
    invoke-virtual {v2}, Ljava/net/Socket;->getOutputStream()Ljava/io/OutputStream;
    move-result-object v2
    invoke-static {v0, v1}, Ljava/lang/String;->valueOf(J)Ljava/lang/String;
    move-result-object v3
    invoke-virtual {v3}, Ljava/lang/String;->getBytes()[B
    move-result-object v3
    invoke-virtual {v2, v3}, Ljava/io/OutputStream;->write([B)V
    new-instance v4, Ljava/io/PrintWriter;
    invoke-direct {v4, v2}, Ljava/io/PrintWriter;-><init>(Ljava/io/OutputStream;)V
    invoke-virtual {v4, v0, v1}, Ljava/io/PrintWriter;->println(J)V
    return-void
.end method
