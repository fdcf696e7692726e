using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Processing;

namespace TracktileFunctions.BusinessCentral;

/// <summary>What one subscription run did.</summary>
/// <param name="Created">Resources subscribed to now.</param>
/// <param name="Renewed">Subscriptions renewed (they were expiring within <c>RenewBeforeHours</c>).</param>
/// <param name="Kept">Subscriptions left as they were.</param>
/// <param name="Failed">Resources that failed, with the reason (never a secret).</param>
/// <param name="Skipped">Why nothing was done, when nothing was.</param>
public sealed record BusinessCentralSubscriptionReport(
    IReadOnlyList<string> Created, IReadOnlyList<string> Renewed, IReadOnlyList<string> Kept, IReadOnlyDictionary<string, string> Failed, string? Skipped = null);

/// <summary>
/// Keeps a Business Central webhook subscription alive for each configured resource: creates the missing ones and
/// renews those expiring soon (they last 3 days; creating and renewing both make Business Central call this app's
/// webhook with a <c>validationToken</c> first). Each subscription's id and expiry are kept in sync state.
/// </summary>
public sealed partial class BusinessCentralSubscriptions(
    BusinessCentralClient bc, BusinessCentralCompany company, SyncStateStore state, IOptions<BusinessCentralOptions> options,
    TimeProvider timeProvider, ILogger<BusinessCentralSubscriptions> logger)
{
    /// <summary>The state scope of subscriptions (key: the entity set).</summary>
    public const string Scope = "businesscentral-subscription";

    private readonly BusinessCentralOptions _options = options.Value;

    /// <summary>Creates missing subscriptions and renews expiring ones.</summary>
    public async Task<BusinessCentralSubscriptionReport> EnsureAsync(CancellationToken cancellationToken)
    {
        var webhook = _options.Webhook;
        if (!_options.Enabled)
        {
            return Skip("Business Central is not the ERP (Erp:Provider)");
        }

        if (webhook.NotificationUrl is not { Length: > 0 } url || webhook.ClientStates.FirstOrDefault(s => s.Length > 0) is not { } clientState)
        {
            return Skip("BusinessCentral:Webhook:NotificationUrl and BusinessCentral:Webhook:ClientStates are not both set: no subscriptions (the reconciliation still applies every change)");
        }

        var subscriptions = new Uri(_options.ApiRoot, "subscriptions");
        var existing = new List<JsonElement>();
        var page = await bc.GetAsync(subscriptions, cancellationToken).ConfigureAwait(false);
        if (page is { } body && body.TryGetProperty("value", out var value))
        {
            existing.AddRange(value.EnumerateArray().Select(e => e.Clone()));
        }

        var companyId = await company.IdAsync(bc, cancellationToken).ConfigureAwait(false);
        var now = timeProvider.GetUtcNow();
        List<string> created = [], renewed = [], kept = [];
        var failed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var set in webhook.Resources.Where(r => r.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var resource = $"/api/v2.0/companies({companyId:D})/{set}";
            var request = new JsonObject { ["notificationUrl"] = url, ["resource"] = resource, ["clientState"] = clientState };
            try
            {
                var current = existing.FirstOrDefault(s => Same(s, "resource", resource) && Same(s, "notificationUrl", url));
                JsonElement? result;
                if (current.ValueKind != JsonValueKind.Object)
                {
                    result = await bc.SendAsync(HttpMethod.Post, subscriptions, request, null, cancellationToken).ConfigureAwait(false);
                    created.Add(set);
                }
                else if (Expiry(current) is { } expiry && expiry - now > TimeSpan.FromHours(webhook.RenewBeforeHours))
                {
                    result = current;
                    kept.Add(set);
                }
                else
                {
                    var id = BusinessCentralClient.Text(current, "subscriptionId") ?? throw new BusinessCentralApiException(200, Http.JsonHttp.MalformedResponse, null, "a subscription without subscriptionId");
                    result = await bc.SendAsync(HttpMethod.Patch, new Uri(_options.ApiRoot, $"subscriptions({BusinessCentralClient.Literal(id)})"),
                        request, BusinessCentralClient.ETag(current), cancellationToken).ConfigureAwait(false);
                    renewed.Add(set);
                }

                await SaveAsync(set, result, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is BusinessCentralApiException or NotReadyException)
            {
                LogFailed(set, ex.Message);
                failed[set] = ex.Message;
            }
        }

        LogDone(created.Count, renewed.Count, kept.Count, failed.Count);
        return new BusinessCentralSubscriptionReport(created, renewed, kept, failed);
    }

    private async Task SaveAsync(string set, JsonElement? subscription, CancellationToken cancellationToken)
    {
        var record = await state.GetAsync(Scope, set, cancellationToken).ConfigureAwait(false) ?? new SyncRecord(Scope, set);
        record.TargetId = subscription is { } s ? BusinessCentralClient.Text(s, "subscriptionId") : record.TargetId;
        record.AppliedEventTime = subscription is { } e ? Expiry(e) : record.AppliedEventTime;
        record.Status = "expires " + record.AppliedEventTime?.ToString("O", CultureInfo.InvariantCulture);
        await state.TrySaveAsync(record, cancellationToken).ConfigureAwait(false);
    }

    private BusinessCentralSubscriptionReport Skip(string reason)
    {
        LogSkipped(reason);
        return new BusinessCentralSubscriptionReport([], [], [], new Dictionary<string, string>(), reason);
    }

    private static bool Same(JsonElement subscription, string name, string value)
        => string.Equals(BusinessCentralClient.Text(subscription, name)?.TrimEnd('/'), value.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    private static DateTimeOffset? Expiry(JsonElement subscription)
        => BusinessCentralClient.Text(subscription, "expirationDateTime") is { } text
           && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expiry) ? expiry : null;

    [LoggerMessage(LogLevel.Information, "Business Central subscriptions: {Reason}")]
    private partial void LogSkipped(string reason);

    [LoggerMessage(LogLevel.Warning, "Business Central subscription to {Resource} failed: {Reason}")]
    private partial void LogFailed(string resource, string reason);

    [LoggerMessage(LogLevel.Information, "Business Central subscriptions: {Created} created, {Renewed} renewed, {Kept} kept, {Failed} failed")]
    private partial void LogDone(int created, int renewed, int kept, int failed);
}
