# Stand-in for the bundled GCM client (the real one stores the registration id in com.google.android.gcm.xml).
.class public final Lcom/google/android/gcm/GCMRegistrar;
.super Ljava/lang/Object;

.method public static varargs register(Landroid/content/Context;[Ljava/lang/String;)V
    .registers 2
    return-void
.end method
