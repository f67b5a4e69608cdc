# A base activity holds a preferences editor in a field; each subclass opens its own file. Fields are kept
# per receiver class, so the location stored by TripActivity never reaches NoteActivity's file.
.class public abstract Lcom/trowel/siblings/Base;
.super Landroid/app/Activity;

.field protected editor:Landroid/content/SharedPreferences$Editor;

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/app/Activity;-><init>()V
    return-void
.end method

.method protected store(Ljava/lang/String;Ljava/lang/String;)V
    .registers 4
    iget-object v0, p0, Lcom/trowel/siblings/Base;->editor:Landroid/content/SharedPreferences$Editor;
    invoke-interface {v0, p1, p2}, Landroid/content/SharedPreferences$Editor;->putString(Ljava/lang/String;Ljava/lang/String;)Landroid/content/SharedPreferences$Editor;
    invoke-interface {v0}, Landroid/content/SharedPreferences$Editor;->commit()Z
    return-void
.end method
