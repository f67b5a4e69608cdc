# Names that cannot be resolved: preferences opened with a null name, a database opened with an empty name,
# a file in a folder read from a field nothing writes. None becomes path text ("null.xml", ".xml", "db");
# each is reported as a file whose name could not be resolved.
.class public Lcom/trowel/unresolved/Main;
.super Landroid/app/Activity;

.field private folder:Ljava/lang/String;

.method public onResume()V
    .registers 7
    invoke-super {p0}, Landroid/app/Activity;->onResume()V
    const v0, 0x7f010001
    invoke-virtual {p0, v0}, Lcom/trowel/unresolved/Main;->findViewById(I)Landroid/view/View;
    move-result-object v0
    check-cast v0, Landroid/widget/EditText;
    invoke-virtual {v0}, Landroid/widget/EditText;->getText()Landroid/text/Editable;
    move-result-object v0
    invoke-virtual {v0}, Ljava/lang/Object;->toString()Ljava/lang/String;
    move-result-object v0
    const/4 v1, 0x0
    const/4 v2, 0x0
    invoke-virtual {p0, v1, v2}, Lcom/trowel/unresolved/Main;->getSharedPreferences(Ljava/lang/String;I)Landroid/content/SharedPreferences;
    move-result-object v1
    invoke-interface {v1}, Landroid/content/SharedPreferences;->edit()Landroid/content/SharedPreferences$Editor;
    move-result-object v1
    const-string v2, "text"
    invoke-interface {v1, v2, v0}, Landroid/content/SharedPreferences$Editor;->putString(Ljava/lang/String;Ljava/lang/String;)Landroid/content/SharedPreferences$Editor;
    invoke-interface {v1}, Landroid/content/SharedPreferences$Editor;->apply()V
    const-string v1, ""
    const/4 v2, 0x0
    const/4 v3, 0x0
    invoke-virtual {p0, v1, v2, v3}, Lcom/trowel/unresolved/Main;->openOrCreateDatabase(Ljava/lang/String;ILandroid/database/sqlite/SQLiteDatabase$CursorFactory;)Landroid/database/sqlite/SQLiteDatabase;
    move-result-object v1
    new-instance v2, Landroid/content/ContentValues;
    invoke-direct {v2}, Landroid/content/ContentValues;-><init>()V
    const-string v4, "body"
    invoke-virtual {v2, v4, v0}, Landroid/content/ContentValues;->put(Ljava/lang/String;Ljava/lang/String;)V
    const-string v4, "notes"
    invoke-virtual {v1, v4, v3, v2}, Landroid/database/sqlite/SQLiteDatabase;->insert(Ljava/lang/String;Ljava/lang/String;Landroid/content/ContentValues;)J
    iget-object v1, p0, Lcom/trowel/unresolved/Main;->folder:Ljava/lang/String;
    new-instance v2, Ljava/io/File;
    const-string v4, "trip.txt"
    invoke-direct {v2, v1, v4}, Ljava/io/File;-><init>(Ljava/lang/String;Ljava/lang/String;)V
    new-instance v4, Ljava/io/FileWriter;
    invoke-direct {v4, v2}, Ljava/io/FileWriter;-><init>(Ljava/io/File;)V
    invoke-virtual {v4, v0}, Ljava/io/FileWriter;->write(Ljava/lang/String;)V
    return-void
.end method
