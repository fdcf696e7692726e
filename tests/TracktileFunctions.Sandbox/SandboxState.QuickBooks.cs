using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using TracktileFunctions.Sandbox.QuickBooks;

namespace TracktileFunctions.Sandbox;

public sealed partial class SandboxState
{
    /// <summary>The app's client id (Intuit developer portal, Keys &amp; credentials).</summary>
    public const string QuickBooksClientId = "qbo-sandbox-client";

    /// <summary>The app's client secret (sent only in the token and revoke requests' <c>Authorization: Basic</c>).</summary>
    public const string QuickBooksClientSecret = "qbo-sandbox-secret";

    /// <summary>The one company (realm) the fake serves; the callback's <c>realmId</c>.</summary>
    public const string QuickBooksRealmId = "9341453012345678";

    /// <summary>The webhook Verifier Token the app is given (the initial <see cref="QuickBooksVerifierToken"/>).</summary>
    public const string QuickBooksDefaultVerifierToken = "qbo-sandbox-verifier-token";

    /// <summary>The scope the Accounting API needs.</summary>
    public const string QuickBooksAccountingScope = "com.intuit.quickbooks.accounting";

    /// <summary>The seeded Income account "Sales of Product Income" (the IncomeAccountRef of items).</summary>
    public const string QuickBooksIncomeAccountId = QboCompany.IncomeAccountId;

    /// <summary>The seeded Expense account "Advertising".</summary>
    public const string QuickBooksExpenseAccountId = QboCompany.ExpenseAccountId;

    /// <summary>The seeded "Cost of Goods Sold" account (an Inventory item's ExpenseAccountRef).</summary>
    public const string QuickBooksCostOfGoodsSoldAccountId = QboCompany.CostOfGoodsSoldAccountId;

    /// <summary>The seeded "Inventory Asset" account (Other Current Asset; an Inventory item's AssetAccountRef).</summary>
    public const string QuickBooksInventoryAssetAccountId = QboCompany.InventoryAssetAccountId;

    /// <summary><c>expires_in</c> of access tokens (Intuit: one hour).</summary>
    public const int QuickBooksAccessTokenLifetimeSeconds = QboAuth.AccessTokenLifetimeSeconds;

    /// <summary><c>x_refresh_token_expires_in</c> of a new refresh token (Intuit: 8726400 s, about 101 days).</summary>
    public const int QuickBooksRefreshTokenLifetimeSeconds = QboAuth.RefreshTokenLifetimeSeconds;

    /// <summary>The lowest minor version served (since 1 Aug 2025 lower ones, or none, are served as 75).</summary>
    public const int QuickBooksMinimumMinorVersion = 75;

    /// <summary>The longest <c>requestid</c> accepted (Intuit: 50 characters).</summary>
    public const int QuickBooksMaxRequestIdLength = 50;

    /// <summary>The longest <c>requestid</c> accepted on <c>POST batch</c> (Intuit: 36 characters for batch operations).</summary>
    public const int QuickBooksMaxBatchRequestIdLength = 36;

    /// <summary>The longest <c>bId</c> when the batch carries a <c>requestid</c> (Intuit: 10 characters).</summary>
    public const int QuickBooksMaxBatchIdLengthWithRequestId = 10;

    /// <summary>The most <c>BatchItemRequest</c> payloads in one batch (Intuit: 30).</summary>
    public const int QuickBooksMaxBatchItems = 30;

    /// <summary>Intuit's retry schedule after a failed delivery, in steps of 10 s: 0, 10 s, 20 s, 30 s, 5 min, 20 min, 2 h, 4 h, 6 h.</summary>
    private static readonly int[] QuickBooksRetrySchedule = [0, 1, 2, 3, 30, 120, 720, 1440, 2160];

    private QboAuth _qboAuth = new();
    private readonly QuickBooksRedirectUriCollection _qboRedirectUris = new();
    private readonly List<QuickBooksApiCall> _qboCalls = [];
    private readonly Queue<DateTimeOffset> _qboRecentRequests = new();
    private readonly Queue<DateTimeOffset> _qboRecentBatches = new();
    private readonly List<QuickBooksBatchItem> _qboBatchItems = [];
    private readonly Dictionary<string, QboStoredAnswer> _qboRequestIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _qboRequestIdGates = new(StringComparer.Ordinal);
    private readonly List<QuickBooksChange> _qboPendingChanges = [];
    private readonly List<QuickBooksWebhookDelivery> _qboDeliveries = [];
    private QboCompany? _qboCompany;
    private Task? _qboWebhookWorker;
    private QuickBooksConsent _qboConsent;
    private QuickBooksRotation _qboRotation;
    private TimeSpan _qboRotationAge = TimeSpan.FromHours(24);
    private TimeSpan _qboGracePeriod = TimeSpan.FromHours(24);
    private TimeSpan _qboCodeLifetime = TimeSpan.FromMinutes(10);
    private int _qboMaxConcurrent = 10;
    private int _qboRequestsPerMinute = 500;
    private int? _qboRequestsPerSecond;
    private int _qboBatchRequestsPerMinute = 40;
    private int _qboBatchRequestsPerMinutePerRealm = 120;
    private TimeSpan? _qboRetryAfter;
    private bool _qboThrottleAnswersXml = true;
    private TimeSpan? _qboProcessingDelay;
    private Uri? _qboWebhookUrl;
    private string _qboVerifierToken = QuickBooksDefaultVerifierToken;
    private QuickBooksWebhookFormat _qboWebhookFormat;
    private bool _suppressQuickBooksWebhooks;
    private TimeSpan _qboWebhookRetryDelay = TimeSpan.FromMilliseconds(20);
    private int _qboWebhookMaxAttempts = 4;
    private TimeSpan _qboWebhookTimeout = TimeSpan.FromSeconds(3);
    private int _qboInFlight;
    private int _qboMaxObservedInFlight;
    private int _qboThrottled;
    private int _qboBatchThrottled;
    private int _qboReplays;

    // ---- OAuth ----

    /// <summary>What the fake consent page does: <see cref="QuickBooksConsent.Approve"/> (default) or Deny.</summary>
    public QuickBooksConsent QuickBooksConsent
    {
        get => Read(() => _qboConsent);
        set => Write(() => _qboConsent = value);
    }

    /// <summary>The app's registered redirect URIs (add yours); empty accepts any.</summary>
    public QuickBooksRedirectUriCollection QuickBooksRedirectUris => _qboRedirectUris;

    /// <summary>When a refresh answers a new refresh token; <see cref="QuickBooksRotation.Always"/> by default (the harshest).</summary>
    public QuickBooksRotation QuickBooksRotation
    {
        get => Read(() => _qboRotation);
        set => Write(() => _qboRotation = value);
    }

    /// <summary>How old a refresh token must be before a refresh rotates it in the WhenOld modes (Intuit: 24 h).</summary>
    public TimeSpan QuickBooksRefreshTokenRotationAge
    {
        get => Read(() => _qboRotationAge);
        set => Write(() => _qboRotationAge = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value)));
    }

    /// <summary>How long a replaced refresh token keeps working in <see cref="QuickBooksRotation.WhenOldWithGrace"/> (Intuit: 24 h).</summary>
    public TimeSpan QuickBooksRefreshTokenGracePeriod
    {
        get => Read(() => _qboGracePeriod);
        set => Write(() => _qboGracePeriod = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value)));
    }

    /// <summary>How long an authorization code can be exchanged (Intuit documents none; 10 minutes assumed). Codes are single-use.</summary>
    public TimeSpan QuickBooksAuthorizationCodeLifetime
    {
        get => Read(() => _qboCodeLifetime);
        set => Write(() => _qboCodeLifetime = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value)));
    }

    /// <summary>Token responses issued (code exchanges and refreshes).</summary>
    public int QuickBooksTokensIssued => Read(() => _qboAuth.TokensIssued);

    /// <summary>Successful refreshes.</summary>
    public int QuickBooksRefreshes => Read(() => _qboAuth.Refreshes);

    /// <summary>Token requests answered <c>invalid_grant</c> (bad, used, expired, superseded or revoked code or refresh token).</summary>
    public int QuickBooksInvalidGrants => Read(() => _qboAuth.InvalidGrants);

    // ---- API limits ----

    /// <summary>Requests per realm in flight at once before 429 (Intuit: 10).</summary>
    public int QuickBooksMaxConcurrent
    {
        get => Read(() => _qboMaxConcurrent);
        set => Write(() => _qboMaxConcurrent = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value)));
    }

    /// <summary>Requests per realm in any 60 s before 429 (Intuit: 500).</summary>
    public int QuickBooksRequestsPerMinute
    {
        get => Read(() => _qboRequestsPerMinute);
        set => Write(() => _qboRequestsPerMinute = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value)));
    }

    /// <summary>Requests per realm in any second before 429 (Intuit documents 10); off (null) by default.</summary>
    public int? QuickBooksRequestsPerSecond
    {
        get => Read(() => _qboRequestsPerSecond);
        set => Write(() => _qboRequestsPerSecond = value is null or >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value)));
    }

    /// <summary>
    /// <c>POST batch</c> requests per realm and app in any 60 s before 429 (Intuit: 40). A batch also counts once toward
    /// <see cref="QuickBooksRequestsPerMinute"/> and the concurrency limit; its items do not.
    /// </summary>
    public int QuickBooksBatchRequestsPerMinute
    {
        get => Read(() => _qboBatchRequestsPerMinute);
        set => Write(() => _qboBatchRequestsPerMinute = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value)));
    }

    /// <summary>
    /// <c>POST batch</c> requests per realm (all apps) in any 60 s before 429 (Intuit: 120). The sandbox has one app, so
    /// the lower of this and <see cref="QuickBooksBatchRequestsPerMinute"/> binds.
    /// </summary>
    public int QuickBooksBatchRequestsPerMinutePerRealm
    {
        get => Read(() => _qboBatchRequestsPerMinutePerRealm);
        set => Write(() => _qboBatchRequestsPerMinutePerRealm = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value)));
    }

    /// <summary>The <c>Retry-After</c> sent with a 429; none (null) by default, as Intuit sends none (its docs say wait 60 s).</summary>
    public TimeSpan? QuickBooksRetryAfter
    {
        get => Read(() => _qboRetryAfter);
        set => Write(() => _qboRetryAfter = value);
    }

    /// <summary>Whether a 429 body is XML whatever the Accept header (as reported of the real service); true by default.</summary>
    public bool QuickBooksThrottleAnswersXml
    {
        get => Read(() => _qboThrottleAnswersXml);
        set => Write(() => _qboThrottleAnswersXml = value);
    }

    /// <summary>A wait inside every API request's slot (to fill the concurrency limit); none when null.</summary>
    public TimeSpan? QuickBooksProcessingDelay
    {
        get => Read(() => _qboProcessingDelay);
        set => Write(() => _qboProcessingDelay = value);
    }

    /// <summary>API requests answered 429.</summary>
    public int QuickBooksThrottledCount => Read(() => _qboThrottled);

    /// <summary>Batch requests answered 429 because of a batch limit (also counted in <see cref="QuickBooksThrottledCount"/>).</summary>
    public int QuickBooksBatchThrottledCount => Read(() => _qboBatchThrottled);

    /// <summary>The most API requests seen in flight at once.</summary>
    public int QuickBooksMaxObservedInFlight => Read(() => _qboMaxObservedInFlight);

    /// <summary>Requests answered with the stored first answer of their <c>requestid</c>.</summary>
    public int QuickBooksRequestIdReplays => Read(() => _qboReplays);

    /// <summary>Every authenticated API request, oldest first (throttled and replayed ones included).</summary>
    public IReadOnlyList<QuickBooksApiCall> QuickBooksApiCalls => Read(() => (IReadOnlyList<QuickBooksApiCall>)[.. _qboCalls]);

    /// <summary>
    /// Every <c>BatchItemRequest</c> a <c>POST batch</c> executed, oldest first, in the order run (a refused or replayed
    /// batch executes none). The batch request itself is in <see cref="QuickBooksApiCalls"/> (path <c>batch</c>).
    /// </summary>
    public IReadOnlyList<QuickBooksBatchItem> QuickBooksBatchItems => Read(() => (IReadOnlyList<QuickBooksBatchItem>)[.. _qboBatchItems]);

    /// <summary>The <c>minorversion</c> of every authenticated API request as sent (null when absent), oldest first.</summary>
    public IReadOnlyList<string?> QuickBooksMinorVersions => Read(() => (IReadOnlyList<string?>)[.. _qboCalls.Select(c => c.RequestedMinorVersion)]);

    /// <summary>Authenticated API requests sent without <c>minorversion</c> (served as 75).</summary>
    public int QuickBooksCallsWithoutMinorVersion => Read(() => _qboCalls.Count(c => c.RequestedMinorVersion is null));

    /// <summary>When true, a DocNumber used by another invoice answers 6140; false by default, like a default company (duplicates allowed).</summary>
    public bool QuickBooksEnforceUniqueDocNumber
    {
        get => Read(() => Qbo.EnforceUniqueDocNumber);
        set => Write(() => Qbo.EnforceUniqueDocNumber = value);
    }

    // ---- data ----

    /// <summary>The company's customers, by Id, as the API answers them.</summary>
    public IReadOnlyList<JsonObject> QuickBooksCustomers => Read(() => Qbo.All(QboCompany.Customer));

    /// <summary>The company's items, by Id.</summary>
    public IReadOnlyList<JsonObject> QuickBooksItems => Read(() => Qbo.All(QboCompany.Item));

    /// <summary>The company's invoices (deleted ones gone, voided ones included), by Id.</summary>
    public IReadOnlyList<JsonObject> QuickBooksInvoices => Read(() => Qbo.All(QboCompany.Invoice));

    /// <summary>The company's accounts (79 Income, 7 Expense, 80 Cost of Goods Sold, 81 Inventory Asset, and any seeded).</summary>
    public IReadOnlyList<JsonObject> QuickBooksAccounts => Read(() => Qbo.All(QboCompany.Account));

    /// <summary>How many invoices (not deleted) carry <paramref name="docNumber"/>.</summary>
    public int QuickBooksInvoiceCount(string docNumber) => Read(() => Qbo.InvoiceCount(docNumber));

    // ---- webhooks ----

    /// <summary>The app's webhook endpoint; null (the default) for none.</summary>
    public Uri? QuickBooksWebhookUrl
    {
        get => Read(() => _qboWebhookUrl);
        set => Write(() => _qboWebhookUrl = value);
    }

    /// <summary>The Verifier Token deliveries are signed with (<c>intuit-signature</c>).</summary>
    public string QuickBooksVerifierToken
    {
        get => Read(() => _qboVerifierToken);
        set => Write(() => _qboVerifierToken = string.IsNullOrEmpty(value) ? throw new ArgumentException("A verifier token is needed.", nameof(value)) : value);
    }

    /// <summary>The payload format; <see cref="QuickBooksWebhookFormat.CloudEvents"/> by default.</summary>
    public QuickBooksWebhookFormat QuickBooksWebhookFormat
    {
        get => Read(() => _qboWebhookFormat);
        set => Write(() => _qboWebhookFormat = value);
    }

    /// <summary>When true, changes send no webhook (a missed delivery: CDC must find the change).</summary>
    public bool SuppressQuickBooksWebhooks
    {
        get => Read(() => _suppressQuickBooksWebhooks);
        set => Write(() => _suppressQuickBooksWebhooks = value);
    }

    /// <summary>What stands for Intuit's 10 s retry step (retries at 0, 1, 2, 3, 30... steps after the first failure); 20 ms by default.</summary>
    public TimeSpan QuickBooksWebhookRetryDelay
    {
        get => Read(() => _qboWebhookRetryDelay);
        set => Write(() => _qboWebhookRetryDelay = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value)));
    }

    /// <summary>POSTs per delivery before giving up (first try included); 4 by default (Intuit keeps trying for days).</summary>
    public int QuickBooksWebhookMaxAttempts
    {
        get => Read(() => _qboWebhookMaxAttempts);
        set => Write(() => _qboWebhookMaxAttempts = value is >= 1 and <= 20 ? value : throw new ArgumentOutOfRangeException(nameof(value)));
    }

    /// <summary>How long a receiver has to answer (Intuit: 3 s).</summary>
    public TimeSpan QuickBooksWebhookTimeout
    {
        get => Read(() => _qboWebhookTimeout);
        set => Write(() => _qboWebhookTimeout = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value)));
    }

    /// <summary>Every webhook POST made (retries included), oldest first.</summary>
    public IReadOnlyList<QuickBooksWebhookDelivery> QuickBooksWebhookDeliveries => Read(() => (IReadOnlyList<QuickBooksWebhookDelivery>)[.. _qboDeliveries]);

    private QboCompany Qbo => _qboCompany ??= new QboCompany(TimeProvider.GetUtcNow());

    /// <summary>base64(HMAC-SHA256(key = the verifier token's UTF-8 bytes, message = the raw body)): the <c>intuit-signature</c> header.</summary>
    public static string SignQuickBooksWebhook(ReadOnlySpan<byte> body, string verifierToken)
        => Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(verifierToken), body));

    /// <summary>The body Intuit would POST for <paramref name="changes"/> in <paramref name="format"/> (the current format when null).</summary>
    public string QuickBooksWebhookBody(IEnumerable<QuickBooksChange> changes, QuickBooksWebhookFormat? format = null)
        => QboWebhookSender.Body([.. changes], format ?? QuickBooksWebhookFormat);

    /// <summary>
    /// POSTs <paramref name="body"/> once to <paramref name="target"/> (the webhook URL when null) as Intuit would, with
    /// <c>intuit-signature</c> = <paramref name="signature"/> (the right one for the verifier token when null; empty
    /// string: no header). Recorded in <see cref="QuickBooksWebhookDeliveries"/>; for tests that forge, resend or replay.
    /// </summary>
    public async Task<QuickBooksWebhookDelivery> SendQuickBooksWebhookAsync(string body, Uri? target = null, string? signature = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var url = target ?? QuickBooksWebhookUrl ?? throw new InvalidOperationException("No target and no QuickBooksWebhookUrl.");
        var bytes = Encoding.UTF8.GetBytes(body);
        var sign = signature ?? SignQuickBooksWebhook(bytes, QuickBooksVerifierToken);
        return await QboWebhookSender.PostAsync(this, url, QuickBooksWebhookFormat, bytes, sign.Length == 0 ? null : sign, [], 1, QuickBooksWebhookTimeout, ct);
    }

    /// <summary>Completes when every change so far has been delivered or given up on.</summary>
    public async Task FlushQuickBooksWebhooksAsync(CancellationToken ct = default)
    {
        for (var i = 0; i < 10_000; i++)
        {
            Task? worker;
            lock (_gate)
            {
                worker = _qboWebhookWorker;
            }

            if (worker is null)
            {
                return;
            }

            await worker.WaitAsync(ct);
        }
    }

    // ---- tests' helpers: data as if it existed, edits as if made in QuickBooks ----

    /// <summary>Adds a customer (as if it existed already: no webhook); its Id.</summary>
    /// <exception cref="ArgumentException">QuickBooks would refuse it (e.g. a duplicate name); the message has the fault.</exception>
    public string SeedQuickBooksCustomer(string displayName, string? email = null, JsonObject? fields = null)
    {
        var body = fields?.DeepClone().AsObject() ?? [];
        body["DisplayName"] = displayName;
        if (email is not null)
        {
            body["PrimaryEmailAddr"] = new JsonObject { ["Address"] = email };
        }

        return SeedQuickBooks(QboCompany.Customer, body);
    }

    /// <summary>Adds a NonInventory item selling to the Income account 79 (no webhook); its Id.</summary>
    /// <exception cref="ArgumentException">QuickBooks would refuse it.</exception>
    public string SeedQuickBooksItem(string name, string? sku = null, decimal unitPrice = 0m, JsonObject? fields = null)
    {
        var body = fields?.DeepClone().AsObject() ?? [];
        body["Name"] = name;
        body["Type"] ??= "NonInventory";
        body["IncomeAccountRef"] ??= new JsonObject { ["value"] = QuickBooksIncomeAccountId };
        body["UnitPrice"] = unitPrice;
        if (sku is not null)
        {
            body["Sku"] = sku;
        }

        return SeedQuickBooks(QboCompany.Item, body);
    }

    /// <summary>Adds an invoice of SalesItemLineDetail lines (Amount = Qty × UnitPrice) for a customer (no webhook); its Id.</summary>
    /// <exception cref="ArgumentException">QuickBooks would refuse it.</exception>
    public string SeedQuickBooksInvoice(string customerId, string? docNumber, params (string ItemId, decimal Qty, decimal UnitPrice)[] lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var body = new JsonObject
        {
            ["CustomerRef"] = new JsonObject { ["value"] = customerId },
            ["Line"] = new JsonArray([.. lines.Select(l => (JsonNode)new JsonObject
            {
                ["DetailType"] = "SalesItemLineDetail",
                ["Amount"] = Math.Round(l.Qty * l.UnitPrice, 2, MidpointRounding.AwayFromZero),
                ["SalesItemLineDetail"] = new JsonObject { ["ItemRef"] = new JsonObject { ["value"] = l.ItemId }, ["Qty"] = l.Qty, ["UnitPrice"] = l.UnitPrice },
            })]),
        };
        if (docNumber is not null)
        {
            body["DocNumber"] = docNumber;
        }

        return SeedQuickBooks(QboCompany.Invoice, body);
    }

    /// <summary>Adds an account (e.g. another Income account); its Id.</summary>
    public string SeedQuickBooksAccount(string name, string accountType, string? accountSubType = null, string classification = "Revenue")
        => Write(() => Text(Qbo.SeedAccount(null, name, accountType, accountSubType, classification, TimeProvider.GetUtcNow())["Id"])!);

    /// <summary>
    /// A person changes customer <paramref name="id"/> in QuickBooks: <paramref name="changes"/> applied as a sparse
    /// update (null removes a field), SyncToken and LastUpdatedTime bumped, a webhook sent. The customer as answered.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown customer, or QuickBooks would refuse the change.</exception>
    public JsonObject EditQuickBooksCustomer(string id, JsonObject changes) => EditQuickBooks(QboCompany.Customer, id, changes);

    /// <summary>A person changes item <paramref name="id"/> in QuickBooks (as <see cref="EditQuickBooksCustomer"/>).</summary>
    public JsonObject EditQuickBooksItem(string id, JsonObject changes) => EditQuickBooks(QboCompany.Item, id, changes);

    /// <summary>A person changes invoice <paramref name="id"/> in QuickBooks (as <see cref="EditQuickBooksCustomer"/>).</summary>
    public JsonObject EditQuickBooksInvoice(string id, JsonObject changes) => EditQuickBooks(QboCompany.Invoice, id, changes);

    /// <summary>A person voids invoice <paramref name="id"/> in QuickBooks (webhook Void).</summary>
    public JsonObject VoidQuickBooksInvoiceAsUser(string id)
        => MutateQuickBooksAsUser(company => company.Void(QboCompany.Invoice, new JsonObject { ["Id"] = id }, TimeProvider.GetUtcNow(), checkSyncToken: false));

    /// <summary>A person deletes invoice <paramref name="id"/> in QuickBooks (webhook Delete; CDC shows it Deleted).</summary>
    public JsonObject DeleteQuickBooksInvoiceAsUser(string id)
        => MutateQuickBooksAsUser(company => company.Delete(QboCompany.Invoice, new JsonObject { ["Id"] = id }, TimeProvider.GetUtcNow(), checkSyncToken: false));

    /// <summary>The user disconnects the app in QuickBooks: every refresh and access token stops working.</summary>
    public void RevokeQuickBooksConnection() => Write(_qboAuth.RevokeAll);

    /// <summary>Every access token issued so far expires now (refresh tokens still work).</summary>
    public void ExpireQuickBooksAccessTokens() => Write(() => _qboAuth.ExpireAccessTokens(TimeProvider.GetUtcNow()));

    /// <summary>Forgets QuickBooks' data, tokens, settings, counters and deliveries: the seeded company and app again.</summary>
    public void ResetQuickBooks()
    {
        lock (_gate)
        {
            _qboCompany = new QboCompany(TimeProvider.GetUtcNow());
            _qboAuth = new QboAuth();
            _qboRedirectUris.Clear();
            _qboCalls.Clear();
            _qboRecentRequests.Clear();
            _qboRecentBatches.Clear();
            _qboBatchItems.Clear();
            _qboRequestIds.Clear();
            _qboPendingChanges.Clear();
            _qboDeliveries.Clear();
            _qboConsent = QuickBooksConsent.Approve;
            _qboRotation = QuickBooksRotation.Always;
            _qboRotationAge = TimeSpan.FromHours(24);
            _qboGracePeriod = TimeSpan.FromHours(24);
            _qboCodeLifetime = TimeSpan.FromMinutes(10);
            _qboMaxConcurrent = 10;
            _qboRequestsPerMinute = 500;
            _qboRequestsPerSecond = null;
            _qboBatchRequestsPerMinute = 40;
            _qboBatchRequestsPerMinutePerRealm = 120;
            _qboRetryAfter = null;
            _qboThrottleAnswersXml = true;
            _qboProcessingDelay = null;
            _qboWebhookUrl = null;
            _qboVerifierToken = QuickBooksDefaultVerifierToken;
            _qboWebhookFormat = QuickBooksWebhookFormat.CloudEvents;
            _suppressQuickBooksWebhooks = false;
            _qboWebhookRetryDelay = TimeSpan.FromMilliseconds(20);
            _qboWebhookMaxAttempts = 4;
            _qboWebhookTimeout = TimeSpan.FromSeconds(3);
            _qboMaxObservedInFlight = _qboInFlight;
            _qboThrottled = 0;
            _qboBatchThrottled = 0;
            _qboReplays = 0;
        }
    }

    // ---- used by the fake's endpoints ----

    internal string IssueQuickBooksCode(string redirectUri) => Write(() => _qboAuth.IssueCode(redirectUri, QuickBooksRealmId, TimeProvider.GetUtcNow(), _qboCodeLifetime));

    internal QboTokenAnswer? ExchangeQuickBooksCode(string code, string? redirectUri) => Write(() => _qboAuth.ExchangeCode(code, redirectUri, TimeProvider.GetUtcNow()));

    internal QboTokenAnswer? RefreshQuickBooksToken(string refreshToken)
        => Write(() => _qboAuth.Refresh(refreshToken, _qboRotation, _qboRotationAge, _qboGracePeriod, TimeProvider.GetUtcNow()));

    internal bool RevokeQuickBooksToken(string token) => Write(() => _qboAuth.Revoke(token));

    /// <summary>The realm the access token is good for, or why it is refused.</summary>
    internal (string? Realm, string Refusal) AuthenticateQuickBooks(string? accessToken) => Read(() =>
    {
        var now = TimeProvider.GetUtcNow();
        var realm = _qboAuth.RealmOf(accessToken, now);
        return (realm, realm is null ? _qboAuth.RefusalOf(accessToken, now) : string.Empty);
    });

    /// <summary>
    /// Takes a slot for an API request of <paramref name="realmId"/>; false (counted as throttled) when over a limit.
    /// A <paramref name="batch"/> request must also fit the batch limits.
    /// </summary>
    internal bool EnterQuickBooks(string realmId, bool batch = false)
    {
        _ = realmId; // one realm: its limits are the sandbox's
        lock (_gate)
        {
            var now = TimeProvider.GetUtcNow();
            while (_qboRecentRequests.Count > 0 && now - _qboRecentRequests.Peek() >= TimeSpan.FromMinutes(1))
            {
                _qboRecentRequests.Dequeue();
            }

            while (_qboRecentBatches.Count > 0 && now - _qboRecentBatches.Peek() >= TimeSpan.FromMinutes(1))
            {
                _qboRecentBatches.Dequeue();
            }

            var lastSecond = _qboRequestsPerSecond is null ? 0 : _qboRecentRequests.Count(t => now - t < TimeSpan.FromSeconds(1));
            if (_qboInFlight >= _qboMaxConcurrent || _qboRecentRequests.Count >= _qboRequestsPerMinute || lastSecond >= (_qboRequestsPerSecond ?? int.MaxValue))
            {
                _qboThrottled++;
                return false;
            }

            if (batch && _qboRecentBatches.Count >= Math.Min(_qboBatchRequestsPerMinute, _qboBatchRequestsPerMinutePerRealm))
            {
                _qboThrottled++;
                _qboBatchThrottled++;
                return false;
            }

            _qboRecentRequests.Enqueue(now);
            if (batch)
            {
                _qboRecentBatches.Enqueue(now);
            }

            _qboInFlight++;
            _qboMaxObservedInFlight = Math.Max(_qboMaxObservedInFlight, _qboInFlight);
            return true;
        }
    }

    internal void ExitQuickBooks() => Write(() => _qboInFlight--);

    internal void RecordQuickBooksApiCall(QuickBooksApiCall call) => Write(() => _qboCalls.Add(call));

    internal void RecordQuickBooksBatchItem(QuickBooksBatchItem item) => Write(() => _qboBatchItems.Add(item));

    internal SemaphoreSlim QuickBooksRequestIdGate(string key) => _qboRequestIdGates.GetOrAdd(key, static _ => new SemaphoreSlim(1, 1));

    internal QboStoredAnswer? StoredQuickBooksAnswer(string key) => Read(() =>
    {
        if (_qboRequestIds.TryGetValue(key, out var stored))
        {
            _qboReplays++;
            return stored;
        }

        return null;
    });

    internal void StoreQuickBooksAnswer(string key, QboStoredAnswer answer) => Write(() => _qboRequestIds[key] = answer);

    /// <summary>Runs a read on the company under the lock.</summary>
    internal T ReadQuickBooks<T>(Func<QboCompany, T> read) => Read(() => read(Qbo));

    /// <summary>Runs a write on the company under the lock and sends its webhook in the background.</summary>
    internal QboMutation MutateQuickBooks(Func<QboCompany, QboMutation> mutate)
    {
        lock (_gate)
        {
            var mutation = mutate(Qbo);
            EnqueueQuickBooksChange(mutation);
            return mutation;
        }
    }

    internal void RecordQuickBooksDelivery(QuickBooksWebhookDelivery delivery) => Write(() => _qboDeliveries.Add(delivery));

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private string SeedQuickBooks(string entity, JsonObject body)
    {
        lock (_gate)
        {
            try
            {
                return Qbo.Save(entity, body, TimeProvider.GetUtcNow()).Id;
            }
            catch (QboFaultException fault)
            {
                throw new ArgumentException($"QuickBooks would refuse this {entity}: {fault.Code} {fault.Message}: {fault.Detail}", nameof(body), fault);
            }
        }
    }

    private JsonObject EditQuickBooks(string entity, string id, JsonObject changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return MutateQuickBooksAsUser(company => company.EditAsUser(entity, id, changes, TimeProvider.GetUtcNow()));
    }

    private JsonObject MutateQuickBooksAsUser(Func<QboCompany, QboMutation> mutate)
    {
        try
        {
            return MutateQuickBooks(mutate).Answer;
        }
        catch (QboFaultException fault)
        {
            throw new ArgumentException($"QuickBooks would refuse this change: {fault.Code} {fault.Message}: {fault.Detail}", fault);
        }
    }

    /// <summary>Queues the change for the app's webhook (one worker delivers in order, batching what waits). Under the lock.</summary>
    private void EnqueueQuickBooksChange(QboMutation mutation)
    {
        if (_suppressQuickBooksWebhooks || _qboWebhookUrl is null || mutation.Entity == QboCompany.Account)
        {
            return;
        }

        _qboPendingChanges.Add(new QuickBooksChange(Guid.NewGuid().ToString(), mutation.Entity, mutation.Id, mutation.Operation, mutation.Time));
        _qboWebhookWorker ??= Task.Run(DeliverQuickBooksWebhooksAsync);
    }

    /// <summary>When the POST of index <paramref name="index"/> (0: the first) is due, in 10 s steps after the first.</summary>
    private static int RetryStep(int index)
        => index < QuickBooksRetrySchedule.Length ? QuickBooksRetrySchedule[index] : QuickBooksRetrySchedule[^1] * (index - QuickBooksRetrySchedule.Length + 2);

    /// <summary>Intuit's webhook gateway: sends what waits as one batch, retried per its schedule, then the next batch.</summary>
    private async Task DeliverQuickBooksWebhooksAsync()
    {
        for (var batches = 0; batches < 100_000; batches++)
        {
            List<QuickBooksChange> batch;
            Uri? target;
            QuickBooksWebhookFormat format;
            string verifier;
            TimeSpan unit;
            TimeSpan timeout;
            int attempts;
            lock (_gate)
            {
                if (_qboPendingChanges.Count == 0)
                {
                    _qboWebhookWorker = null;
                    return;
                }

                batch = [.. _qboPendingChanges];
                _qboPendingChanges.Clear();
                (target, format, verifier, unit, timeout, attempts) =
                    (_qboWebhookUrl, _qboWebhookFormat, _qboVerifierToken, _qboWebhookRetryDelay, _qboWebhookTimeout, _qboWebhookMaxAttempts);
            }

            if (target is null)
            {
                continue;
            }

            var bytes = Encoding.UTF8.GetBytes(QboWebhookSender.Body(batch, format));
            var signature = SignQuickBooksWebhook(bytes, verifier);
            for (var attempt = 1; attempt <= attempts; attempt++)
            {
                if (attempt > 1)
                {
                    var wait = unit * (RetryStep(attempt - 1) - RetryStep(attempt - 2));
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait);
                    }
                }

                var delivery = await QboWebhookSender.PostAsync(this, target, format, bytes, signature, batch, attempt, timeout, CancellationToken.None);
                if (delivery.Delivered)
                {
                    break;
                }
            }
        }
    }
}

/// <summary>The first answer to a <c>requestid</c>, replayed for every repeat.</summary>
internal sealed record QboStoredAnswer(int StatusCode, string ContentType, byte[] Body);
