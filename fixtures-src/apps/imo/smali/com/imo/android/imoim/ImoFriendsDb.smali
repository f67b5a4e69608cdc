.class public Lcom/imo/android/imoim/ImoFriendsDb;
.super Landroid/database/sqlite/SQLiteOpenHelper;

.method public constructor <init>(Landroid/content/Context;)V
    .registers 5
    const-string v0, "imofriends.db"
    const/4 v1, 0x0
    const/16 v2, 0x3c
    invoke-direct {p0, p1, v0, v1, v2}, Landroid/database/sqlite/SQLiteOpenHelper;-><init>(Landroid/content/Context;Ljava/lang/String;Landroid/database/sqlite/SQLiteDatabase$CursorFactory;I)V
    return-void
.end method

.method public onCreate(Landroid/database/sqlite/SQLiteDatabase;)V
    .registers 3
    const-string v0, "CREATE TABLE messages (_id INTEGER PRIMARY KEY, buid TEXT, last_message TEXT, timestamp INTEGER)"
    invoke-virtual {p1, v0}, Landroid/database/sqlite/SQLiteDatabase;->execSQL(Ljava/lang/String;)V
    return-void
.end method

.method public onUpgrade(Landroid/database/sqlite/SQLiteDatabase;II)V
    .registers 4
    return-void
.end method
