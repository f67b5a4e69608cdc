.class public Lcom/trowel/deadcode/Ghost;
.super Landroid/app/Activity;

.method public onCreate(Landroid/os/Bundle;)V
    .registers 3
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    invoke-static {p0}, Lcom/trowel/deadcode/Helper;->leak(Landroid/content/Context;)V
    return-void
.end method
