# Reflection mechanism: Class.forName("...Archiver").getMethod("save", String).invoke(obj, text).
.class public Lcom/trowel/reflection/Main;
.super Landroid/app/Activity;

.field public static context:Landroid/content/Context;

.method public onCreate(Landroid/os/Bundle;)V
    .registers 8
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    sput-object p0, Lcom/trowel/reflection/Main;->context:Landroid/content/Context;
    const v0, 0x7f010001
    invoke-virtual {p0, v0}, Lcom/trowel/reflection/Main;->findViewById(I)Landroid/view/View;
    move-result-object v0
    check-cast v0, Landroid/widget/EditText;
    invoke-virtual {v0}, Landroid/widget/EditText;->getText()Landroid/text/Editable;
    move-result-object v0
    invoke-virtual {v0}, Ljava/lang/Object;->toString()Ljava/lang/String;
    move-result-object v0
    const-string v1, "com.trowel.reflection.Archiver"
    invoke-static {v1}, Ljava/lang/Class;->forName(Ljava/lang/String;)Ljava/lang/Class;
    move-result-object v1
    const/4 v2, 0x1
    new-array v2, v2, [Ljava/lang/Class;
    const-class v3, Ljava/lang/String;
    const/4 v4, 0x0
    aput-object v3, v2, v4
    const-string v3, "save"
    invoke-virtual {v1, v3, v2}, Ljava/lang/Class;->getMethod(Ljava/lang/String;[Ljava/lang/Class;)Ljava/lang/reflect/Method;
    move-result-object v3
    invoke-virtual {v1}, Ljava/lang/Class;->newInstance()Ljava/lang/Object;
    move-result-object v4
    const/4 v5, 0x1
    new-array v5, v5, [Ljava/lang/Object;
    const/4 v6, 0x0
    aput-object v0, v5, v6
    invoke-virtual {v3, v4, v5}, Ljava/lang/reflect/Method;->invoke(Ljava/lang/Object;[Ljava/lang/Object;)Ljava/lang/Object;
    return-void
.end method
