# Activity.getPreferences: the file is named after the activity class (shared_prefs/Main.xml).
.class public Lcom/trowel/getprefs/Main;
.super Landroid/app/Activity;

.method public onResume()V
    .registers 5
    invoke-super {p0}, Landroid/app/Activity;->onResume()V
    const/4 v0, 0x0
    invoke-virtual {p0, v0}, Lcom/trowel/getprefs/Main;->getPreferences(I)Landroid/content/SharedPreferences;
    move-result-object v0
    invoke-interface {v0}, Landroid/content/SharedPreferences;->edit()Landroid/content/SharedPreferences$Editor;
    move-result-object v0
    const-string v1, "last_open"
    invoke-static {}, Ljava/lang/System;->currentTimeMillis()J
    move-result-wide v2
    invoke-interface {v0, v1, v2, v3}, Landroid/content/SharedPreferences$Editor;->putLong(Ljava/lang/String;J)Landroid/content/SharedPreferences$Editor;
    invoke-interface {v0}, Landroid/content/SharedPreferences$Editor;->commit()Z
    return-void
.end method
