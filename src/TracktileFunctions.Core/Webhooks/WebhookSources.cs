namespace TracktileFunctions.Webhooks;

/// <summary>The names of the webhook senders; each is a keyed <see cref="WebhookReceiver"/> and a named options instance.</summary>
public static class WebhookSources
{
    /// <summary>Tracktile's webhooks (<c>POST /api/webhooks/tracktile</c>), configured under <c>Tracktile:Webhook</c>.</summary>
    public const string Tracktile = "tracktile";

    /// <summary>The ERP's webhooks (<c>POST /api/webhooks/erp</c>), configured under <c>Erp:Webhook</c>.</summary>
    public const string Erp = "erp";
}
