# Malware-style app code under com.android.*: analysed as the app's code (it is defined in the DEX and is
# not a bundled library). It registers with GCM (the bundled GCM client writes com.google.android.gcm.xml,
# a catalog fact) and hands the IMEI to a bundled support-library class, which is summarised, not analysed.
.class public Lcom/android/sysupdate/UpdateService;
.super Landroid/app/Service;

.method public onStartCommand(Landroid/content/Intent;II)I
    .registers 8
    const-string v0, "phone"
    invoke-virtual {p0, v0}, Lcom/android/sysupdate/UpdateService;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, Landroid/telephony/TelephonyManager;
    invoke-virtual {v0}, Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;
    move-result-object v0
    const-string v1, "imei.txt"
    const/4 v2, 0x0
    invoke-virtual {p0, v1, v2}, Lcom/android/sysupdate/UpdateService;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v1
    invoke-virtual {v0}, Ljava/lang/String;->getBytes()[B
    move-result-object v2
    invoke-virtual {v1, v2}, Ljava/io/FileOutputStream;->write([B)V
    invoke-static {p0, v0}, Landroid/support/v4/util/DebugLog;->write(Landroid/content/Context;Ljava/lang/String;)V
    const/4 v1, 0x1
    new-array v1, v1, [Ljava/lang/String;
    const/4 v2, 0x0
    const-string v3, "12345"
    aput-object v3, v1, v2
    invoke-static {p0, v1}, Lcom/google/android/gcm/GCMRegistrar;->register(Landroid/content/Context;[Ljava/lang/String;)V
    const/4 v0, 0x1
    return v0
.end method

.method public onBind(Landroid/content/Intent;)Landroid/os/IBinder;
    .registers 3
    const/4 v0, 0x0
    return-object v0
.end method
