# imo-like app (test fixture, not the real imo): chat text + time into databases/imofriends.db through an
# SQLiteOpenHelper, and JSON preferences (draft text, last-seen time) into files/imo_prefs.json.
.class public Lcom/imo/android/imoim/IMActivity;
.super Landroid/app/Activity;
.implements Landroid/view/View$OnClickListener;

.method public onClick(Landroid/view/View;)V
    .registers 10
    const v0, 0x7f010001
    invoke-virtual {p0, v0}, Lcom/imo/android/imoim/IMActivity;->findViewById(I)Landroid/view/View;
    move-result-object v0
    check-cast v0, Landroid/widget/EditText;
    invoke-virtual {v0}, Landroid/widget/EditText;->getText()Landroid/text/Editable;
    move-result-object v0
    invoke-virtual {v0}, Ljava/lang/Object;->toString()Ljava/lang/String;
    move-result-object v0
    invoke-static {}, Ljava/lang/System;->currentTimeMillis()J
    move-result-wide v1
    new-instance v3, Lcom/imo/android/imoim/ImoFriendsDb;
    invoke-direct {v3, p0}, Lcom/imo/android/imoim/ImoFriendsDb;-><init>(Landroid/content/Context;)V
    invoke-virtual {v3}, Lcom/imo/android/imoim/ImoFriendsDb;->getWritableDatabase()Landroid/database/sqlite/SQLiteDatabase;
    move-result-object v3
    new-instance v4, Landroid/content/ContentValues;
    invoke-direct {v4}, Landroid/content/ContentValues;-><init>()V
    const-string v5, "last_message"
    invoke-virtual {v4, v5, v0}, Landroid/content/ContentValues;->put(Ljava/lang/String;Ljava/lang/String;)V
    const-string v5, "timestamp"
    invoke-static {v1, v2}, Ljava/lang/Long;->valueOf(J)Ljava/lang/Long;
    move-result-object v6
    invoke-virtual {v4, v5, v6}, Landroid/content/ContentValues;->put(Ljava/lang/String;Ljava/lang/Long;)V
    const-string v5, "messages"
    const/4 v6, 0x0
    invoke-virtual {v3, v5, v6, v4}, Landroid/database/sqlite/SQLiteDatabase;->insert(Ljava/lang/String;Ljava/lang/String;Landroid/content/ContentValues;)J
    new-instance v4, Lorg/json/JSONObject;
    invoke-direct {v4}, Lorg/json/JSONObject;-><init>()V
    const-string v5, "draft"
    invoke-virtual {v4, v5, v0}, Lorg/json/JSONObject;->put(Ljava/lang/String;Ljava/lang/Object;)Lorg/json/JSONObject;
    const-string v5, "last_seen"
    invoke-virtual {v4, v5, v1, v2}, Lorg/json/JSONObject;->put(Ljava/lang/String;J)Lorg/json/JSONObject;
    const-string v5, "imo_prefs.json"
    const/4 v6, 0x0
    invoke-virtual {p0, v5, v6}, Lcom/imo/android/imoim/IMActivity;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v5
    invoke-virtual {v4}, Lorg/json/JSONObject;->toString()Ljava/lang/String;
    move-result-object v6
    invoke-virtual {v6}, Ljava/lang/String;->getBytes()[B
    move-result-object v6
    invoke-virtual {v5, v6}, Ljava/io/FileOutputStream;->write([B)V
    return-void
.end method
