using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using TracktileFunctions.Sandbox.BusinessCentral;

namespace TracktileFunctions.Sandbox.QuickBooks;

/// <summary>
/// Intuit's webhook deliveries (https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks): a JSON POST
/// signed in <c>intuit-signature</c> (base64 HMAC-SHA256 of the raw body keyed with the app's Verifier Token), in the
/// CloudEvents format (a JSON array of events) or the legacy <c>eventNotifications</c> one. Only loopback targets are called.
/// </summary>
internal static class QboWebhookSender
{
    public const string SignatureHeader = "intuit-signature";

    /// <summary>The CloudEvents <c>source</c>: <c>intuit.</c> and an opaque base64 string (the app's, here derived from the client id).</summary>
    public static string Source { get; } = "intuit." + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(SandboxState.QuickBooksClientId)));

    /// <summary>The body of one delivery reporting <paramref name="changes"/>, in the order they happened.</summary>
    public static string Body(IReadOnlyList<QuickBooksChange> changes, QuickBooksWebhookFormat format)
    {
        if (format == QuickBooksWebhookFormat.Legacy)
        {
            var entities = new JsonArray([.. changes.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Entity,
                ["id"] = c.Id,
                ["operation"] = c.Operation,
                ["lastUpdated"] = c.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            })]);
            return new JsonObject
            {
                ["eventNotifications"] = new JsonArray(new JsonObject
                {
                    ["realmId"] = SandboxState.QuickBooksRealmId,
                    ["dataChangeEvent"] = new JsonObject { ["entities"] = entities },
                }),
            }.ToJsonString();
        }

        return new JsonArray([.. changes.Select(c => (JsonNode)new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = c.EventId,
            ["source"] = Source,
            ["type"] = CloudEventType(c.Entity, c.Operation),
            ["datacontenttype"] = "application/json",
            ["time"] = c.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            ["intuitentityid"] = c.Id,
            ["intuitaccountid"] = SandboxState.QuickBooksRealmId,
            ["data"] = new JsonObject(),
        })]).ToJsonString();
    }

    /// <summary><c>qbo.{entity}.{operation, past tense}.v1</c>: <c>qbo.invoice.voided.v1</c>.</summary>
    public static string CloudEventType(string entity, string operation)
    {
        var past = operation switch
        {
            "Create" => "created",
            "Update" => "updated",
            "Delete" => "deleted",
            "Void" => "voided",
            "Merge" => "merged",
            "Emailed" => "emailed",
            _ => operation.ToLowerInvariant() + "d",
        };
        return $"qbo.{entity.ToLowerInvariant()}.{past}.v1";
    }

    /// <summary>One POST, recorded.</summary>
    public static async Task<QuickBooksWebhookDelivery> PostAsync(
        SandboxState state,
        Uri target,
        QuickBooksWebhookFormat format,
        byte[] body,
        string? signature,
        IReadOnlyList<QuickBooksChange> changes,
        int attempt,
        TimeSpan timeout,
        CancellationToken ct)
    {
        var sentAt = state.TimeProvider.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        QuickBooksWebhookDelivery Result(int? status, bool timedOut)
        {
            var delivery = new QuickBooksWebhookDelivery(
                target, format, attempt, Encoding.UTF8.GetString(body), signature, changes, status, timedOut, sentAt, Stopwatch.GetElapsedTime(started));
            state.RecordQuickBooksDelivery(delivery);
            return delivery;
        }

        if (!BcNotifier.IsAllowed(target))
        {
            return Result(null, false);
        }

        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var message = new HttpRequestMessage(HttpMethod.Post, target) { Content = content };
        if (signature is not null)
        {
            message.Headers.TryAddWithoutValidation(SignatureHeader, signature);
        }

        message.Headers.UserAgent.ParseAdd("Intuit-Webhooks/1.0");
        var answer = await Hosting.LoopbackPost.SendAsync(message, timeout, readBody: false, ct);
        return Result(answer.Status, answer.TimedOut);
    }
}
