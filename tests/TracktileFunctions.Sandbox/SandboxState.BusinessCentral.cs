using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using TracktileFunctions.Sandbox.BusinessCentral;

namespace TracktileFunctions.Sandbox;

public sealed partial class SandboxState
{
    /// <summary>The id of the company seeded in every sandbox (<see cref="BcCompanyId"/>).</summary>
    public static readonly Guid DefaultBcCompanyId = Guid.Parse("9c4f2ddc-9e75-ea11-bbf0-000d3a38a583");

    /// <summary>The name of the company seeded in every sandbox.</summary>
    public const string DefaultBcCompanyName = "CRONUS USA, Inc.";

    private static readonly DateTimeOffset BcCompanyCreatedAt = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<Guid, BcItem> _bcItems = [];
    private readonly Dictionary<Guid, BcCustomer> _bcCustomers = [];
    private readonly Dictionary<Guid, BcSalesOrder> _bcSalesOrders = [];
    private readonly List<BcShipment> _bcShipments = [];
    private readonly List<BcInvoice> _bcInvoices = [];
    private readonly Dictionary<Guid, BcLotJournalLine> _bcLotLines = [];
    private readonly List<BcItemLedgerEntry> _bcLedger = [];
    private readonly Dictionary<string, BcSubscriptionEntry> _bcSubscriptions = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<BcNotificationDelivery> _bcDeliveries = [];
    private readonly List<BcHandshake> _bcHandshakes = [];
    private readonly List<BcBatchOperation> _bcBatchOperations = [];
    private readonly Dictionary<string, BcToken> _bcTokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BcCallerGate> _bcGates = new(StringComparer.Ordinal);
    private Task _bcDeliveryTail = Task.CompletedTask;
    private BcSettings _bcDefaults = new();
    private BcSettings _bcSettings = new();
    private BcCompany _bcCompany = NewBcCompany(1);
    private long _bcVersion = 1;
    private int _bcItemSeries;
    private int _bcCustomerSeries;
    private int _bcOrderSeries;
    private int _bcShipmentSeries;
    private int _bcInvoiceSeries;
    private int _bcBatchSeries;
    private int _bcSuppressedChanges;
    private int _bcMaxObservedInFlight;
    private bool _bcLotJournal;

    /// <summary>The id of the seeded company, <c>CRONUS USA, Inc.</c>.</summary>
    public Guid BcCompanyId => DefaultBcCompanyId;

    /// <summary>The name of the seeded company.</summary>
    public string BcCompanyName => DefaultBcCompanyName;

    /// <summary>The companies (<c>GET companies</c>).</summary>
    public IReadOnlyList<BcCompany> BcCompanies
    {
        get
        {
            lock (_gate)
            {
                return [_bcCompany];
            }
        }
    }

    /// <summary>The items, by number, with their inventory.</summary>
    public IReadOnlyList<BcItem> BcItems
    {
        get
        {
            lock (_gate)
            {
                return [.. _bcItems.Values.Select(WithInventory).OrderBy(i => i.Number, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>The customers, by number.</summary>
    public IReadOnlyList<BcCustomer> BcCustomers
    {
        get
        {
            lock (_gate)
            {
                return [.. _bcCustomers.Values.OrderBy(c => c.Number, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>The open sales orders (a fully shipped and invoiced one is deleted), by number, with their lines.</summary>
    public IReadOnlyList<BcSalesOrder> BcSalesOrders
    {
        get
        {
            lock (_gate)
            {
                return [.. _bcSalesOrders.Values.OrderBy(o => o.Number, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>The posted sales shipments, oldest first.</summary>
    public IReadOnlyList<BcShipment> BcShipments
    {
        get
        {
            lock (_gate)
            {
                return [.. _bcShipments];
            }
        }
    }

    /// <summary>The posted sales invoices, oldest first.</summary>
    public IReadOnlyList<BcInvoice> BcInvoices
    {
        get
        {
            lock (_gate)
            {
                return [.. _bcInvoices];
            }
        }
    }

    /// <summary>The lines of the lot journal extension (<see cref="EnableBcLotJournal"/>), posted ones included, oldest first.</summary>
    public IReadOnlyList<BcLotJournalLine> BcLotJournalLines
    {
        get
        {
            lock (_gate)
            {
                return [.. _bcLotLines.Values.OrderBy(l => l.LastModifiedDateTime).ThenBy(l => l.Id)];
            }
        }
    }

    /// <summary>The item ledger: every stock movement posted, oldest first.</summary>
    public IReadOnlyList<BcItemLedgerEntry> BcItemLedgerEntries
    {
        get
        {
            lock (_gate)
            {
                return [.. _bcLedger];
            }
        }
    }

    /// <summary>The webhook subscriptions (expired ones too, until a delivery deletes them as BC's job does).</summary>
    public IReadOnlyList<BcSubscription> BcSubscriptions
    {
        get
        {
            lock (_gate)
            {
                return [.. _bcSubscriptions.Values.Select(s => s.Subscription).OrderBy(s => s.SystemCreatedAt).ThenBy(s => s.SubscriptionId, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>The changes waiting for the next delivery, per subscription, oldest first.</summary>
    public IReadOnlyList<BcPendingNotification> BcPendingNotifications
    {
        get
        {
            lock (_gate)
            {
                return [.. _bcSubscriptions.Values.SelectMany(s => s.Pending.Select(p => p.ToRecord(s)))];
            }
        }
    }

    /// <summary>Every notification POST made, oldest first.</summary>
    public IReadOnlyList<BcNotificationDelivery> BcNotificationDeliveries
    {
        get
        {
            lock (_gate)
            {
                return [.. _bcDeliveries];
            }
        }
    }

    /// <summary>Every subscription handshake made, oldest first.</summary>
    public IReadOnlyList<BcHandshake> BcHandshakes
    {
        get
        {
            lock (_gate)
            {
                return [.. _bcHandshakes];
            }
        }
    }

    /// <summary>
    /// Every operation of every <c>$batch</c> request, oldest batch first, in request order; the batch request itself is
    /// in <see cref="Calls"/> (one call, whatever it holds), its operations only here.
    /// </summary>
    public IReadOnlyList<BcBatchOperation> BcBatchOperations
    {
        get
        {
            lock (_gate)
            {
                return [.. _bcBatchOperations];
            }
        }
    }

    /// <summary>The <c>$batch</c> operations whose method matches (case-insensitive) and whose resolved path starts with <paramref name="pathPrefix"/>.</summary>
    public IReadOnlyList<BcBatchOperation> BcBatchOperationsTo(string method, string pathPrefix)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(pathPrefix);
        lock (_gate)
        {
            return
            [
                .. _bcBatchOperations.Where(o => string.Equals(o.Method, method, StringComparison.OrdinalIgnoreCase)
                                                 && o.Path.StartsWith(pathPrefix, StringComparison.OrdinalIgnoreCase)),
            ];
        }
    }

    /// <summary>The server's page size (BC's is 20,000); a client's <c>Prefer: odata.maxpagesize</c> may ask for less.</summary>
    public int BcMaxPageSize
    {
        get => ReadBcSettings().MaxPageSize;
        set => UpdateBcSettings(s => s with { MaxPageSize = Positive(value) });
    }

    /// <summary>How many requests one credential may have in flight (BC: 5).</summary>
    public int BcMaxInFlight
    {
        get => ReadBcSettings().MaxInFlight;
        set => UpdateBcSettings(s => s with { MaxInFlight = Positive(value) });
    }

    /// <summary>How many requests beyond <see cref="BcMaxInFlight"/> wait their turn (BC: 95); past that, 429.</summary>
    public int BcMaxQueued
    {
        get => ReadBcSettings().MaxQueued;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            UpdateBcSettings(s => s with { MaxQueued = value });
        }
    }

    /// <summary>Above this many changes for one subscription in one delivery, one <c>collection</c> notification (BC: 1,000).</summary>
    public int BcCollectionThreshold
    {
        get => ReadBcSettings().CollectionThreshold;
        set => UpdateBcSettings(s => s with { CollectionThreshold = Positive(value) });
    }

    /// <summary>How long BC takes to answer each API request while it holds its concurrency slot; none when null.</summary>
    public TimeSpan? BcProcessingDelay
    {
        get => ReadBcSettings().ProcessingDelay;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value ?? TimeSpan.Zero, TimeSpan.Zero, nameof(value));
            UpdateBcSettings(s => s with { ProcessingDelay = value });
        }
    }

    /// <summary>The most requests of one credential seen in flight at once since the start (or <see cref="Reset"/>).</summary>
    public int BcMaxObservedInFlight
    {
        get
        {
            lock (_gate)
            {
                return _bcMaxObservedInFlight;
            }
        }
    }

    /// <summary>Whether the lot journal extension is installed (<see cref="EnableBcLotJournal"/>).</summary>
    public bool BcLotJournalEnabled
    {
        get
        {
            lock (_gate)
            {
                return _bcLotJournal;
            }
        }
    }

    /// <summary>
    /// Installs the customer's lot-tracked item journal extension: <c>api/tracktile/inventory/v1.0/.../itemJournalLines</c>
    /// answers from now on (before, 404 as in a BC without the extension).
    /// </summary>
    public void EnableBcLotJournal()
    {
        lock (_gate)
        {
            _bcLotJournal = true;
        }
    }

    /// <summary>Uninstalls the lot journal extension (its lines stay in the state).</summary>
    public void DisableBcLotJournal()
    {
        lock (_gate)
        {
            _bcLotJournal = false;
        }
    }

    /// <summary>Invalidates every access token issued so far (they answer 401 from now on).</summary>
    public void RevokeBcTokens()
    {
        lock (_gate)
        {
            _bcTokens.Clear();
        }
    }

    /// <summary>Makes the next <paramref name="changes"/> entity changes raise no notification at all: lost for good.</summary>
    public void SuppressBcNotifications(int changes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(changes);
        lock (_gate)
        {
            _bcSuppressedChanges = changes;
        }
    }

    /// <summary>Makes every subscription expire now (the next delivery deletes them; a renewal before that revives one).</summary>
    public void ExpireBcSubscriptions()
    {
        lock (_gate)
        {
            var expired = TimeProvider.GetUtcNow().AddSeconds(-1);
            foreach (var entry in _bcSubscriptions.Values)
            {
                entry.Subscription = entry.Subscription with { ExpirationDateTime = expired };
            }
        }
    }

    /// <summary>Adds a customer as if a user created it in BC (live subscriptions get <c>created</c>).</summary>
    /// <returns>The customer's id.</returns>
    public Guid SeedBcCustomer(
        string number,
        string displayName,
        string email = "",
        string addressLine1 = "",
        string city = "",
        string state = "",
        string country = "",
        string postalCode = "",
        string phoneNumber = "",
        string currencyCode = "",
        string blocked = " ")
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["number"] = number.ToUpperInvariant(),
            ["displayName"] = displayName,
            ["email"] = email,
            ["addressLine1"] = addressLine1,
            ["city"] = city,
            ["state"] = state,
            ["country"] = country.ToUpperInvariant(),
            ["postalCode"] = postalCode.ToUpperInvariant(),
            ["phoneNumber"] = phoneNumber,
            ["currencyCode"] = currencyCode.ToUpperInvariant(),
            ["blocked"] = blocked,
        };
        return CreateBcCustomer(values, null).Id;
    }

    /// <summary>Adds an item as if a user created it in BC, with <paramref name="inventory"/> posted as an opening adjustment.</summary>
    /// <returns>The item's id.</returns>
    public Guid SeedBcItem(
        string number,
        string displayName,
        decimal unitPrice = 0,
        string baseUnitOfMeasureCode = "PCS",
        string type = "Inventory",
        decimal inventory = 0,
        string gtin = "",
        string itemCategoryCode = "",
        bool blocked = false)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["number"] = number.ToUpperInvariant(),
            ["displayName"] = displayName,
            ["unitPrice"] = unitPrice,
            ["baseUnitOfMeasureCode"] = baseUnitOfMeasureCode.ToUpperInvariant(),
            ["type"] = type,
            ["gtin"] = gtin,
            ["itemCategoryCode"] = itemCategoryCode.ToUpperInvariant(),
            ["blocked"] = blocked,
        };
        lock (_gate)
        {
            var item = CreateBcItem(values, null);
            if (inventory != 0)
            {
                PostLedger(item.Number, string.Empty, string.Empty, DateOnly.FromDateTime(TimeProvider.GetUtcNow().UtcDateTime),
                    inventory > 0 ? "Positive Adjmt." : "Negative Adjmt.", "OPENING", inventory);
            }

            return item.Id;
        }
    }

    /// <summary>
    /// Changes a customer as a user editing it in BC would: <paramref name="edit"/> gets the current customer, and its
    /// result gets a new ETag and <c>lastModifiedDateTime</c> (live subscriptions get <c>updated</c>).
    /// </summary>
    /// <exception cref="KeyNotFoundException">No customer has <paramref name="id"/>.</exception>
    public BcCustomer EditBcCustomer(Guid id, Func<BcCustomer, BcCustomer> edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        lock (_gate)
        {
            var current = _bcCustomers.TryGetValue(id, out var c) ? c : throw new KeyNotFoundException($"No BC customer {id}.");
            var now = TimeProvider.GetUtcNow();
            var edited = edit(current) with { Id = id, LastModifiedDateTime = now, ETag = NextBcETag() };
            _bcCustomers[id] = edited;
            NotifyBc("customers", id, "updated", now);
            return edited;
        }
    }

    /// <summary>Changes an item as a user editing it in BC would (see <see cref="EditBcCustomer"/>); its inventory is not editable here.</summary>
    /// <exception cref="KeyNotFoundException">No item has <paramref name="id"/>.</exception>
    public BcItem EditBcItem(Guid id, Func<BcItem, BcItem> edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        lock (_gate)
        {
            var current = _bcItems.TryGetValue(id, out var i) ? WithInventory(i) : throw new KeyNotFoundException($"No BC item {id}.");
            var now = TimeProvider.GetUtcNow();
            var edited = edit(current) with { Id = id, Inventory = 0, LastModifiedDateTime = now, ETag = NextBcETag() };
            if (edited.Number != current.Number)
            {
                RenameLedger(current.Number, edited.Number);
            }

            _bcItems[id] = edited;
            NotifyBc("items", id, "updated", now);
            return WithInventory(edited);
        }
    }

    /// <summary>Deletes a customer as a user would in BC (live subscriptions get <c>deleted</c>).</summary>
    /// <exception cref="KeyNotFoundException">No customer has <paramref name="id"/>.</exception>
    public void DeleteBcCustomerAsUser(Guid id)
    {
        lock (_gate)
        {
            if (!_bcCustomers.Remove(id))
            {
                throw new KeyNotFoundException($"No BC customer {id}.");
            }

            NotifyBc("customers", id, "deleted", TimeProvider.GetUtcNow());
        }
    }

    /// <summary>
    /// Sends what the subscriptions have waiting, as BC's notification job does: deletes expired subscriptions, then
    /// POSTs one <c>{"value":[...]}</c> per <c>notificationUrl</c>. 2xx: done; 408, 429, 5xx or no answer: kept for the
    /// next delivery; any other status: every subscription in the POST is deleted.
    /// </summary>
    /// <returns>The POSTs made by this delivery.</returns>
    public async Task<IReadOnlyList<BcNotificationDelivery>> DeliverBcNotificationsAsync(CancellationToken ct = default)
    {
        // One delivery at a time, in call order: each waits for the one before it.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previous;
        lock (_gate)
        {
            previous = _bcDeliveryTail;
            _bcDeliveryTail = done.Task;
        }

        try
        {
            await previous.WaitAsync(ct);
            var batches = TakeBcBatches(out var timeout);
            var deliveries = new List<BcNotificationDelivery>();
            foreach (var batch in batches)
            {
                var status = await BcNotifier.PostNotificationAsync(batch.Url, batch.Body, timeout, ct);
                deliveries.Add(SettleBcBatch(batch, status));
            }

            return deliveries;
        }
        finally
        {
            // Cancelled while waiting: the next one still waits for the one before this.
            _ = previous.ContinueWith(_ => done.SetResult(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Whether any subscription has changes waiting.</summary>
    internal bool HasPendingBcNotifications()
    {
        lock (_gate)
        {
            return _bcSubscriptions.Values.Any(s => s.Pending.Count > 0);
        }
    }

    /// <summary>Takes the settings of <paramref name="options"/> as this state's defaults (what <see cref="Reset"/> restores).</summary>
    internal void ConfigureBusinessCentral(SandboxOptions options)
    {
        lock (_gate)
        {
            _bcDefaults = new BcSettings
            {
                MaxInFlight = Positive(options.BcMaxInFlight),
                MaxQueued = options.BcMaxQueued >= 0 ? options.BcMaxQueued : throw new ArgumentOutOfRangeException(nameof(options), "BcMaxQueued must not be negative."),
                HandshakeTimeout = options.BcHandshakeTimeout,
                NotificationTimeout = options.BcNotificationTimeout,
            };
            _bcSettings = _bcDefaults;
        }
    }

    internal TimeSpan BcHandshakeTimeout => ReadBcSettings().HandshakeTimeout;

    // ---- tokens and concurrency ------------------------------------------------------------------------------

    /// <summary>Issues an access token for <paramref name="clientId"/> in <paramref name="tenant"/>, valid 3,599 s.</summary>
    internal string IssueBcToken(string clientId, string tenant)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        lock (_gate)
        {
            _bcTokens[token] = new BcToken(clientId, tenant, TimeProvider.GetUtcNow().AddSeconds(3599));
        }

        return token;
    }

    /// <summary>The client a live token of <paramref name="tenant"/> was issued to, or null.</summary>
    internal string? AuthenticateBcToken(string token, string? tenant)
    {
        lock (_gate)
        {
            return _bcTokens.TryGetValue(token, out var issued)
                   && issued.ExpiresAt > TimeProvider.GetUtcNow()
                   && (tenant is null || string.Equals(issued.Tenant, tenant, StringComparison.OrdinalIgnoreCase))
                ? issued.ClientId
                : null;
        }
    }

    /// <summary>Takes one of the credential's slots, waiting in its queue if need be; false when the queue is full too.</summary>
    internal async Task<bool> EnterBcAsync(string credential, CancellationToken ct)
    {
        TaskCompletionSource waiter;
        lock (_gate)
        {
            var gate = BcGateOf(credential);
            if (gate.InFlight < _bcSettings.MaxInFlight)
            {
                gate.InFlight++;
                _bcMaxObservedInFlight = Math.Max(_bcMaxObservedInFlight, gate.InFlight);
                return true;
            }

            if (gate.Waiters.Count >= _bcSettings.MaxQueued)
            {
                return false;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            gate.Waiters.AddLast(waiter);
        }

        try
        {
            await waiter.Task.WaitAsync(ct);
            return true;
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                if (!waiter.Task.IsCompleted)
                {
                    BcGateOf(credential).Waiters.Remove(waiter);
                    throw;
                }
            }

            ExitBc(credential);
            throw;
        }
    }

    /// <summary>Gives the credential's slot to the first in its queue, or frees it.</summary>
    internal void ExitBc(string credential)
    {
        lock (_gate)
        {
            var gate = BcGateOf(credential);
            if (gate.Waiters.First is { } first)
            {
                gate.Waiters.RemoveFirst();
                first.Value.SetResult();
                return;
            }

            if (gate.InFlight > 0)
            {
                gate.InFlight--;
            }
        }
    }

    // ---- items -----------------------------------------------------------------------------------------------

    internal BcItem? FindBcItem(Guid id)
    {
        lock (_gate)
        {
            return _bcItems.TryGetValue(id, out var item) ? WithInventory(item) : null;
        }
    }

    internal BcItem CreateBcItem(IReadOnlyDictionary<string, object?> values, Guid? id)
    {
        lock (_gate)
        {
            var now = TimeProvider.GetUtcNow();
            var item = new BcItem(NewBcId(id, _bcItems), string.Empty, string.Empty, string.Empty, "Inventory", string.Empty, false, string.Empty, 0, 0,
                false, 0, string.Empty, string.Empty, string.Empty, string.Empty, now, string.Empty);
            item = BcSchema.Item.Apply(item, values);
            if (item.Number.Length == 0)
            {
                do
                {
                    item = item with { Number = "ITEM" + (++_bcItemSeries + 1000).ToString(CultureInfo.InvariantCulture) };
                }
                while (_bcItems.Values.Any(i => i.Number == item.Number));
            }

            EnsureUniqueBcNumber("Item", item.Number, _bcItems.Values.Select(i => (i.Id, i.Number)), item.Id);
            item = item with { Inventory = 0, LastModifiedDateTime = now, ETag = NextBcETag() };
            _bcItems[item.Id] = item;
            NotifyBc("items", item.Id, "created", now);
            return WithInventory(item);
        }
    }

    internal BcItem UpdateBcItem(Guid id, string? ifMatch, IReadOnlyDictionary<string, object?> values)
    {
        lock (_gate)
        {
            var current = _bcItems.TryGetValue(id, out var i) ? WithInventory(i) : throw BcErrors.DoesNotExist("Item", $"Id='{BcFormat.Guid(id)}'");
            CheckBcIfMatch(ifMatch, current.ETag, required: true);
            var now = TimeProvider.GetUtcNow();
            var updated = BcSchema.Item.Apply(current, values);
            EnsureUniqueBcNumber("Item", updated.Number, _bcItems.Values.Select(x => (x.Id, x.Number)), id);
            if (updated.Number != current.Number)
            {
                RenameLedger(current.Number, updated.Number);
            }

            if (values.TryGetValue("inventory", out var target) && target is decimal wanted && wanted != current.Inventory)
            {
                // BC's API page posts an adjustment for the difference (connectors.md 1.8).
                PostLedger(updated.Number, string.Empty, string.Empty, DateOnly.FromDateTime(now.UtcDateTime),
                    wanted > current.Inventory ? "Positive Adjmt." : "Negative Adjmt.", string.Empty, wanted - current.Inventory);
            }

            updated = updated with { Inventory = 0, LastModifiedDateTime = now, ETag = NextBcETag() };
            _bcItems[id] = updated;
            NotifyBc("items", id, "updated", now);
            return WithInventory(updated);
        }
    }

    internal void DeleteBcItem(Guid id, string? ifMatch)
    {
        lock (_gate)
        {
            var current = _bcItems.TryGetValue(id, out var i) ? i : throw BcErrors.DoesNotExist("Item", $"Id='{BcFormat.Guid(id)}'");
            CheckBcIfMatch(ifMatch, current.ETag, required: false);
            if (_bcSalesOrders.Values.Any(o => o.Lines.Any(l => l.ItemId == id)))
            {
                throw BcErrors.Dialog($"You cannot delete Item {current.Number} because there is at least one outstanding Sales Order that includes this item.");
            }

            _bcItems.Remove(id);
            NotifyBc("items", id, "deleted", TimeProvider.GetUtcNow());
        }
    }

    // ---- customers -------------------------------------------------------------------------------------------

    internal BcCustomer? FindBcCustomer(Guid id)
    {
        lock (_gate)
        {
            return _bcCustomers.GetValueOrDefault(id);
        }
    }

    internal BcCustomer CreateBcCustomer(IReadOnlyDictionary<string, object?> values, Guid? id)
    {
        lock (_gate)
        {
            var now = TimeProvider.GetUtcNow();
            var customer = new BcCustomer(NewBcId(id, _bcCustomers), string.Empty, string.Empty, "Company", string.Empty, string.Empty, string.Empty,
                string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, false, string.Empty, string.Empty, string.Empty, " ",
                now, string.Empty);
            customer = BcSchema.Customer.Apply(customer, values);
            if (customer.Number.Length == 0)
            {
                do
                {
                    customer = customer with { Number = "C" + (++_bcCustomerSeries * 10).ToString("D5", CultureInfo.InvariantCulture) };
                }
                while (_bcCustomers.Values.Any(c => c.Number == customer.Number));
            }

            EnsureUniqueBcNumber("Customer", customer.Number, _bcCustomers.Values.Select(c => (c.Id, c.Number)), customer.Id);
            customer = customer with { LastModifiedDateTime = now, ETag = NextBcETag() };
            _bcCustomers[customer.Id] = customer;
            NotifyBc("customers", customer.Id, "created", now);
            return customer;
        }
    }

    internal BcCustomer UpdateBcCustomer(Guid id, string? ifMatch, IReadOnlyDictionary<string, object?> values)
    {
        lock (_gate)
        {
            var current = _bcCustomers.TryGetValue(id, out var c) ? c : throw BcErrors.DoesNotExist("Customer", $"Id='{BcFormat.Guid(id)}'");
            CheckBcIfMatch(ifMatch, current.ETag, required: true);
            var now = TimeProvider.GetUtcNow();
            var updated = BcSchema.Customer.Apply(current, values);
            EnsureUniqueBcNumber("Customer", updated.Number, _bcCustomers.Values.Select(x => (x.Id, x.Number)), id);
            updated = updated with { LastModifiedDateTime = now, ETag = NextBcETag() };
            _bcCustomers[id] = updated;
            NotifyBc("customers", id, "updated", now);
            return updated;
        }
    }

    internal void DeleteBcCustomer(Guid id, string? ifMatch)
    {
        lock (_gate)
        {
            var current = _bcCustomers.TryGetValue(id, out var c) ? c : throw BcErrors.DoesNotExist("Customer", $"Id='{BcFormat.Guid(id)}'");
            CheckBcIfMatch(ifMatch, current.ETag, required: false);
            if (_bcSalesOrders.Values.Any(o => o.CustomerId == id))
            {
                throw BcErrors.Dialog($"You cannot delete Customer {current.Number} because there is at least one outstanding Sales Order for this customer.");
            }

            _bcCustomers.Remove(id);
            NotifyBc("customers", id, "deleted", TimeProvider.GetUtcNow());
        }
    }

    // ---- sales orders ----------------------------------------------------------------------------------------

    internal BcSalesOrder? FindBcSalesOrder(Guid id)
    {
        lock (_gate)
        {
            return _bcSalesOrders.GetValueOrDefault(id);
        }
    }

    /// <summary>Creates an order and its deep-inserted lines as one transaction: any error leaves no trace.</summary>
    internal BcSalesOrder CreateBcSalesOrder(IReadOnlyDictionary<string, object?> values, IReadOnlyList<Dictionary<string, object?>> lines)
    {
        lock (_gate)
        {
            var now = TimeProvider.GetUtcNow();
            var today = DateOnly.FromDateTime(now.UtcDateTime);
            var order = new BcSalesOrder(Guid.NewGuid(), string.Empty, string.Empty, today, today, Guid.Empty, string.Empty, string.Empty, string.Empty, null,
                string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty,
                false, "Draft", false, now, string.Empty, []);
            order = BcSchema.SalesOrder.Apply(order, values);
            var customer = ResolveBcSellToCustomer(order, values);
            if (customer.Blocked == "All")
            {
                throw BcErrors.Dialog($"You cannot create this type of document when Customer {customer.Number} is blocked with type All");
            }

            order = order with
            {
                CustomerId = customer.Id,
                CustomerNumber = customer.Number,
                CustomerName = customer.DisplayName,
                CurrencyCode = values.ContainsKey("currencyCode") ? order.CurrencyCode : customer.CurrencyCode,
                ShipToName = values.ContainsKey("shipToName") ? order.ShipToName : customer.DisplayName,
                ShipToAddressLine1 = values.ContainsKey("shipToAddressLine1") ? order.ShipToAddressLine1 : customer.AddressLine1,
                ShipToCity = values.ContainsKey("shipToCity") ? order.ShipToCity : customer.City,
                ShipToCountry = values.ContainsKey("shipToCountry") ? order.ShipToCountry : customer.Country,
                ShipToPostCode = values.ContainsKey("shipToPostCode") ? order.ShipToPostCode : customer.PostalCode,
            };

            var built = new List<BcSalesOrderLine>();
            foreach (var line in lines)
            {
                built.Add(NewBcLine(order.Id, line, built));
            }

            var number = "S-ORD" + (101001 + _bcOrderSeries).ToString(CultureInfo.InvariantCulture);
            _bcOrderSeries++;
            order = order with { Number = number, Lines = built, LastModifiedDateTime = now, ETag = NextBcETag() };
            _bcSalesOrders[order.Id] = order;
            NotifyBc("salesOrders", order.Id, "created", now);
            return order;
        }
    }

    internal BcSalesOrder UpdateBcSalesOrder(Guid id, string? ifMatch, IReadOnlyDictionary<string, object?> values)
    {
        lock (_gate)
        {
            var current = FindBcOrderOrThrow(id);
            CheckBcIfMatch(ifMatch, current.ETag, required: true);
            var updated = BcSchema.SalesOrder.Apply(current, values);
            if (values.ContainsKey("customerId") || values.ContainsKey("customerNumber"))
            {
                if (current.Lines.Any(l => l.ShippedQuantity != 0))
                {
                    throw BcErrors.Dialog("You cannot change Sell-to Customer No. because the order has been shipped.");
                }

                var customer = ResolveBcSellToCustomer(updated, values);
                updated = updated with { CustomerId = customer.Id, CustomerNumber = customer.Number, CustomerName = customer.DisplayName };
            }

            return StoreBcOrder(updated, "updated");
        }
    }

    internal void DeleteBcSalesOrder(Guid id, string? ifMatch)
    {
        lock (_gate)
        {
            var current = FindBcOrderOrThrow(id);
            CheckBcIfMatch(ifMatch, current.ETag, required: false);
            _bcSalesOrders.Remove(id);
            NotifyBc("salesOrders", id, "deleted", TimeProvider.GetUtcNow());
        }
    }

    internal BcSalesOrderLine CreateBcSalesOrderLine(Guid orderId, Dictionary<string, object?> values)
    {
        lock (_gate)
        {
            var order = FindBcOrderOrThrow(orderId);
            var line = NewBcLine(orderId, values, order.Lines);
            StoreBcOrder(order with { Lines = [.. order.Lines, line] }, "updated");
            return line;
        }
    }

    internal BcSalesOrderLine UpdateBcSalesOrderLine(Guid orderId, Guid lineId, string? ifMatch, IReadOnlyDictionary<string, object?> values)
    {
        lock (_gate)
        {
            var order = FindBcOrderOrThrow(orderId);
            var current = order.Lines.FirstOrDefault(l => l.Id == lineId) ?? throw BcErrors.DoesNotExist("Sales Line", $"Id='{BcFormat.Guid(lineId)}'");
            CheckBcIfMatch(ifMatch, current.ETag, required: true);
            var updated = BcSchema.SalesOrderLine.Apply(current, values);
            if (values.ContainsKey("lineObjectNumber") || values.ContainsKey("itemId"))
            {
                if (current.ShippedQuantity != 0)
                {
                    throw BcErrors.Dialog("You cannot change No. because the line has been shipped.");
                }

                var item = ResolveBcLineItem(updated, values);
                updated = updated with { ItemId = item.Id, LineObjectNumber = item.Number };
            }

            if (updated.Quantity < current.ShippedQuantity)
            {
                throw BcErrors.Dialog($"Quantity must not be less than the shipped quantity {current.ShippedQuantity.ToString(CultureInfo.InvariantCulture)}.");
            }

            if (values.ContainsKey("quantity") && !values.ContainsKey("shipQuantity"))
            {
                updated = updated with { ShipQuantity = updated.Quantity - updated.ShippedQuantity };
            }

            if (updated.ShipQuantity < 0 || updated.ShipQuantity > updated.Quantity - updated.ShippedQuantity)
            {
                throw BcErrors.Dialog($"You cannot ship more than {(updated.Quantity - updated.ShippedQuantity).ToString(CultureInfo.InvariantCulture)} units.");
            }

            updated = updated with { ETag = NextBcETag() };
            StoreBcOrder(order with { Lines = [.. order.Lines.Select(l => l.Id == lineId ? updated : l)] }, "updated");
            return updated;
        }
    }

    internal void DeleteBcSalesOrderLine(Guid orderId, Guid lineId, string? ifMatch)
    {
        lock (_gate)
        {
            var order = FindBcOrderOrThrow(orderId);
            var current = order.Lines.FirstOrDefault(l => l.Id == lineId) ?? throw BcErrors.DoesNotExist("Sales Line", $"Id='{BcFormat.Guid(lineId)}'");
            CheckBcIfMatch(ifMatch, current.ETag, required: false);
            if (current.ShippedQuantity != 0)
            {
                throw BcErrors.Dialog("You cannot delete a line that has been shipped.");
            }

            StoreBcOrder(order with { Lines = [.. order.Lines.Where(l => l.Id != lineId)] }, "updated");
        }
    }

    /// <summary>
    /// <c>Microsoft.NAV.shipAndInvoice</c>: posts each line's <c>shipQuantity</c> as a shipment and an invoice; a fully
    /// shipped order is then deleted, as BC deletes a fully posted order.
    /// </summary>
    internal void ShipAndInvoiceBcSalesOrder(Guid id)
    {
        lock (_gate)
        {
            var order = _bcSalesOrders.TryGetValue(id, out var o) ? o : throw BcErrors.Dialog("The order cannot be found.");
            var customer = _bcCustomers.GetValueOrDefault(order.CustomerId);
            if (customer?.Blocked is "All" or "Ship" or "Invoice")
            {
                throw BcErrors.Dialog($"You cannot ship this document when Customer {order.CustomerNumber} is blocked with type {customer.Blocked}");
            }

            var itemLines = order.Lines.Where(l => l.LineType == "Item").ToList();
            if (itemLines.Any(l => l.Quantity == 0))
            {
                throw BcErrors.Dialog("One or more document lines with a value in the No. field do not have a quantity specified.");
            }

            var toShip = itemLines.Where(l => l.ShipQuantity > 0).ToList();
            if (toShip.Count == 0)
            {
                throw BcErrors.Dialog("There is nothing to post.");
            }

            var now = TimeProvider.GetUtcNow();
            var today = DateOnly.FromDateTime(now.UtcDateTime);
            var shipmentId = Guid.NewGuid();
            var shipmentLines = toShip.Select((l, n) => new BcShipmentLine(Guid.NewGuid(), shipmentId, (n + 1) * 10000, "Item", l.LineObjectNumber,
                l.Description, l.UnitOfMeasureCode, l.ShipQuantity, l.UnitPrice, NextBcETag())).ToList();
            var shipmentNumber = "S-SHP" + (102001 + _bcShipmentSeries++).ToString(CultureInfo.InvariantCulture);
            _bcShipments.Add(new BcShipment(shipmentId, shipmentNumber, order.Number, order.ExternalDocumentNumber, order.CustomerId,
                order.CustomerNumber, order.CustomerName, order.PostingDate, today, now, NextBcETag(), shipmentLines));

            foreach (var line in toShip)
            {
                if (line.ItemId is { } itemId && _bcItems.TryGetValue(itemId, out var item) && item.Type == "Inventory")
                {
                    PostLedger(item.Number, string.Empty, string.Empty, order.PostingDate, "Sale", shipmentNumber, -line.ShipQuantity);
                }
            }

            var invoiceId = Guid.NewGuid();
            _bcInvoices.Add(new BcInvoice(invoiceId, "S-INV" + (103001 + _bcInvoiceSeries++).ToString(CultureInfo.InvariantCulture), order.Number, order.Id,
                order.ExternalDocumentNumber, order.CustomerId, order.CustomerNumber, order.CustomerName, today, order.PostingDate, order.CurrencyCode, "Open",
                toShip.Sum(l => l.ShipQuantity * l.UnitPrice), now, NextBcETag()));
            NotifyBc("salesInvoices", invoiceId, "created", now);

            var lines = order.Lines.Select(l => l.LineType != "Item" || l.ShipQuantity == 0
                ? l
                : l with
                {
                    ShippedQuantity = l.ShippedQuantity + l.ShipQuantity,
                    InvoicedQuantity = l.InvoicedQuantity + l.ShipQuantity,
                    ShipQuantity = 0,
                    ETag = NextBcETag(),
                }).ToList();
            if (lines.All(l => l.LineType != "Item" || l.ShippedQuantity == l.Quantity))
            {
                _bcSalesOrders.Remove(id);
                NotifyBc("salesOrders", id, "deleted", now);
                return;
            }

            lines = [.. lines.Select(l => l.LineType == "Item" ? l with { ShipQuantity = l.Quantity - l.ShippedQuantity } : l)];
            StoreBcOrder(order with { Lines = lines }, "updated");
        }
    }

    // ---- lot journal -----------------------------------------------------------------------------------------

    internal BcLotJournalLine? FindBcLotLine(Guid id)
    {
        lock (_gate)
        {
            return _bcLotLines.GetValueOrDefault(id);
        }
    }

    internal BcLotJournalLine CreateBcLotLine(IReadOnlyDictionary<string, object?> values)
    {
        lock (_gate)
        {
            var now = TimeProvider.GetUtcNow();
            var line = new BcLotJournalLine(Guid.NewGuid(), "DEFAULT", string.Empty, DateOnly.FromDateTime(now.UtcDateTime), string.Empty, string.Empty, 0,
                string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, false, now, string.Empty);
            line = BcSchema.LotJournalLine.Apply(line, values);
            var item = _bcItems.Values.FirstOrDefault(i => i.Number == line.ItemNumber)
                       ?? throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.RecordNotFound,
                           $"The Item does not exist. Identification fields and values: No.='{line.ItemNumber}'");
            if (line.DocumentNumber.Length == 0)
            {
                throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.FieldValidation, "Document No. must have a value in Item Journal Line. It cannot be zero or empty.");
            }

            if (line.LotNumber.Length == 0)
            {
                throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.FieldValidation,
                    $"Lot No. must have a value in Item Journal Line: Item No.={line.ItemNumber}. It cannot be zero or empty.");
            }

            if (line.Quantity == 0)
            {
                throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.FieldValidation, "Quantity must have a value in Item Journal Line. It cannot be zero or empty.");
            }

            var entryType = line.EntryType.Length > 0 ? line.EntryType : line.Quantity > 0 ? "Positive Adjmt." : "Negative Adjmt.";
            switch (entryType)
            {
                case "Positive Adjmt." when line.Quantity < 0:
                case "Transfer" when line.Quantity < 0:
                    throw BcErrors.Dialog($"The quantity of a {entryType} line must be positive.");
                case "Negative Adjmt." when line.Quantity > 0:
                    throw BcErrors.Dialog("The quantity of a Negative Adjmt. line must be negative.");
                case "Transfer" when line.NewLocationCode.Length == 0:
                    throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.FieldValidation,
                        "New Location Code must have a value in Item Journal Line. It cannot be zero or empty.");
                case not "Transfer" when line.NewLocationCode.Length > 0:
                    throw BcErrors.Dialog($"New Location Code must be empty on a {entryType} line.");
            }

            line = line with
            {
                EntryType = entryType,
                UnitOfMeasureCode = line.UnitOfMeasureCode.Length > 0 ? line.UnitOfMeasureCode : item.BaseUnitOfMeasureCode,
                Description = line.Description.Length > 0 ? line.Description : item.DisplayName,
                LastModifiedDateTime = now,
                ETag = NextBcETag(),
            };
            _bcLotLines[line.Id] = line;
            return line;
        }
    }

    /// <summary>The extension's <c>Microsoft.NAV.post</c>: posts the line to the item ledger, with its lot and location.</summary>
    internal void PostBcLotLine(Guid id)
    {
        lock (_gate)
        {
            var line = _bcLotLines.TryGetValue(id, out var l) ? l : throw BcErrors.DoesNotExist("Item Journal Line", $"Id='{BcFormat.Guid(id)}'");
            if (line.Posted)
            {
                throw BcErrors.Dialog($"Item journal line {line.DocumentNumber} has already been posted.");
            }

            var outgoing = line.EntryType == "Transfer" ? line.Quantity : -line.Quantity;
            if (outgoing > 0)
            {
                var available = _bcLedger.Where(e => e.ItemNumber == line.ItemNumber && e.LotNumber == line.LotNumber && e.LocationCode == line.LocationCode)
                    .Sum(e => e.Quantity);
                if (available < outgoing)
                {
                    throw BcErrors.Dialog(
                        $"You have insufficient quantity of Item {line.ItemNumber} on inventory. Lot No. {line.LotNumber} at location '{line.LocationCode}': "
                        + $"{available.ToString(CultureInfo.InvariantCulture)} available, {outgoing.ToString(CultureInfo.InvariantCulture)} needed.");
                }
            }

            if (line.EntryType == "Transfer")
            {
                PostLedger(line.ItemNumber, line.LotNumber, line.LocationCode, line.PostingDate, "Transfer", line.DocumentNumber, -line.Quantity);
                PostLedger(line.ItemNumber, line.LotNumber, line.NewLocationCode, line.PostingDate, "Transfer", line.DocumentNumber, line.Quantity);
            }
            else
            {
                PostLedger(line.ItemNumber, line.LotNumber, line.LocationCode, line.PostingDate, line.EntryType, line.DocumentNumber, line.Quantity);
            }

            _bcLotLines[id] = line with { Posted = true, LastModifiedDateTime = TimeProvider.GetUtcNow(), ETag = NextBcETag() };
        }
    }

    // ---- subscriptions ---------------------------------------------------------------------------------------

    internal BcSubscription? FindBcSubscription(string id)
    {
        lock (_gate)
        {
            return _bcSubscriptions.TryGetValue(id, out var entry) ? entry.Subscription : null;
        }
    }

    internal BcSubscription CreateBcSubscription(Uri notificationUrl, string resource, string entitySet, string clientState, Guid userId)
    {
        lock (_gate)
        {
            var now = TimeProvider.GetUtcNow();
            var subscription = new BcSubscription(Guid.NewGuid().ToString("N"), notificationUrl, resource, userId, clientState, now.AddDays(3), now, now, NextBcETag());
            _bcSubscriptions[subscription.SubscriptionId] = new BcSubscriptionEntry(subscription, entitySet);
            return subscription;
        }
    }

    /// <summary>A renewal after its handshake: the changes, and three more days from now.</summary>
    internal BcSubscription RenewBcSubscription(string id, string? ifMatch, IReadOnlyDictionary<string, object?> values, string? entitySet)
    {
        lock (_gate)
        {
            var entry = _bcSubscriptions.TryGetValue(id, out var e) ? e : throw BcErrors.DoesNotExist("API Webhook Subscription", $"Subscription Id='{id}'");
            CheckBcIfMatch(ifMatch, entry.Subscription.ETag, required: true);
            var now = TimeProvider.GetUtcNow();
            entry.Subscription = BcSchema.Subscription.Apply(entry.Subscription, values) with
            {
                ExpirationDateTime = now.AddDays(3),
                LastModifiedDateTime = now,
                ETag = NextBcETag(),
            };
            if (entitySet is not null)
            {
                entry.EntitySet = entitySet;
            }

            return entry.Subscription;
        }
    }

    internal void DeleteBcSubscription(string id, string? ifMatch)
    {
        lock (_gate)
        {
            var entry = _bcSubscriptions.TryGetValue(id, out var e) ? e : throw BcErrors.DoesNotExist("API Webhook Subscription", $"Subscription Id='{id}'");
            CheckBcIfMatch(ifMatch, entry.Subscription.ETag, required: false);
            _bcSubscriptions.Remove(id);
        }
    }

    internal void RecordBcHandshake(BcHandshake handshake)
    {
        lock (_gate)
        {
            _bcHandshakes.Add(handshake);
        }
    }

    // ---- $batch ----------------------------------------------------------------------------------------------

    /// <summary>The number of the next <c>$batch</c> request whose operations are recorded (1 after start or <see cref="Reset"/>).</summary>
    internal int NextBcBatchNumber()
    {
        lock (_gate)
        {
            return ++_bcBatchSeries;
        }
    }

    internal void RecordBcBatchOperations(IEnumerable<BcBatchOperation> operations)
    {
        lock (_gate)
        {
            _bcBatchOperations.AddRange(operations);
        }
    }

    /// <summary>
    /// What <c>Isolation: snapshot</c> needs: takes a copy of BC's data (entities, ledger, posted documents, number
    /// series, subscriptions and the notifications they have waiting) and returns what puts it back, as a transaction's
    /// rollback does. ETags are not reused (like SQL's rowversion, the counter goes on); handshakes and deliveries,
    /// which went over the wire, stay recorded.
    /// </summary>
    internal Action SnapshotBc()
    {
        lock (_gate)
        {
            var items = new Dictionary<Guid, BcItem>(_bcItems);
            var customers = new Dictionary<Guid, BcCustomer>(_bcCustomers);
            var orders = new Dictionary<Guid, BcSalesOrder>(_bcSalesOrders);
            var lotLines = new Dictionary<Guid, BcLotJournalLine>(_bcLotLines);
            List<BcShipment> shipments = [.. _bcShipments];
            List<BcInvoice> invoices = [.. _bcInvoices];
            List<BcItemLedgerEntry> ledger = [.. _bcLedger];
            var subscriptions = _bcSubscriptions.Values
                .Select(s => (s.Subscription, s.EntitySet, Pending: s.Pending.Select(p => p.Clone()).ToList()))
                .ToList();
            var series = (_bcItemSeries, _bcCustomerSeries, _bcOrderSeries, _bcShipmentSeries, _bcInvoiceSeries);
            var suppressed = _bcSuppressedChanges;
            return () =>
            {
                lock (_gate)
                {
                    Refill(_bcItems, items);
                    Refill(_bcCustomers, customers);
                    Refill(_bcSalesOrders, orders);
                    Refill(_bcLotLines, lotLines);
                    _bcShipments.Clear();
                    _bcShipments.AddRange(shipments);
                    _bcInvoices.Clear();
                    _bcInvoices.AddRange(invoices);
                    _bcLedger.Clear();
                    _bcLedger.AddRange(ledger);
                    _bcSubscriptions.Clear();
                    foreach (var (subscription, entitySet, pending) in subscriptions)
                    {
                        var entry = new BcSubscriptionEntry(subscription, entitySet);
                        entry.Pending.AddRange(pending.Select(p => p.Clone()));
                        _bcSubscriptions[subscription.SubscriptionId] = entry;
                    }

                    (_bcItemSeries, _bcCustomerSeries, _bcOrderSeries, _bcShipmentSeries, _bcInvoiceSeries) = series;
                    _bcSuppressedChanges = suppressed;
                }
            };
        }

        static void Refill<T>(Dictionary<Guid, T> table, Dictionary<Guid, T> saved)
        {
            table.Clear();
            foreach (var (id, value) in saved)
            {
                table[id] = value;
            }
        }
    }

    // ---- private ---------------------------------------------------------------------------------------------

    private static BcCompany NewBcCompany(long version)
        => new(DefaultBcCompanyId, "25.3.28755.29001", version, DefaultBcCompanyName, DefaultBcCompanyName, string.Empty,
            BcCompanyCreatedAt, BcCompanyCreatedAt, BcFormat.ETag(version));

    private static int Positive(int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
        return value;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static Guid NewBcId<T>(Guid? requested, Dictionary<Guid, T> table)
    {
        if (requested is { } id)
        {
            return table.ContainsKey(id) || id == Guid.Empty
                ? throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.EntityWithSameKeyExists,
                    $"The record already exists. Identification fields and values: Id='{BcFormat.Guid(id)}'")
                : id;
        }

        return Guid.NewGuid();
    }

    private static void EnsureUniqueBcNumber(string table, string number, IEnumerable<(Guid Id, string Number)> rows, Guid self)
    {
        if (rows.Any(r => r.Id != self && r.Number == number))
        {
            throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.EntityWithSameKeyExists,
                $"The {table} already exists. Identification fields and values: No.='{number}'");
        }
    }

    /// <summary>If-Match as BC checks it: required on PATCH (400), <c>*</c> matches anything, a stale tag is 409.</summary>
    internal static void CheckBcIfMatch(string? ifMatch, string etag, bool required)
    {
        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            if (required)
            {
                throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.InvalidToken, BcErrors.InvalidTokenMessage);
            }

            return;
        }

        var tags = ifMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (!tags.Any(t => t == "*" || t == etag))
        {
            throw new BcApiException(StatusCodes.Status409Conflict, BcErrors.EntityChanged, BcErrors.EntityChangedMessage);
        }
    }

    private BcSettings ReadBcSettings()
    {
        lock (_gate)
        {
            return _bcSettings;
        }
    }

    private void UpdateBcSettings(Func<BcSettings, BcSettings> update)
    {
        lock (_gate)
        {
            _bcSettings = update(_bcSettings);
        }
    }

    private string NextBcETag() => BcFormat.ETag(++_bcVersion);

    private BcItem WithInventory(BcItem item)
        => item with { Inventory = _bcLedger.Where(e => e.ItemNumber == item.Number).Sum(e => e.Quantity) };

    private void PostLedger(string itemNumber, string lot, string location, DateOnly date, string entryType, string document, decimal quantity)
        => _bcLedger.Add(new BcItemLedgerEntry(_bcLedger.Count + 1, itemNumber, lot, location, date, entryType, document, quantity));

    private void RenameLedger(string from, string to)
    {
        for (var i = 0; i < _bcLedger.Count; i++)
        {
            if (_bcLedger[i].ItemNumber == from)
            {
                _bcLedger[i] = _bcLedger[i] with { ItemNumber = to };
            }
        }
    }

    private BcCallerGate BcGateOf(string credential)
    {
        if (!_bcGates.TryGetValue(credential, out var gate))
        {
            gate = new BcCallerGate();
            _bcGates[credential] = gate;
        }

        return gate;
    }

    private BcSalesOrder FindBcOrderOrThrow(Guid id)
        => _bcSalesOrders.TryGetValue(id, out var order) ? order : throw BcErrors.DoesNotExist("Sales Header", $"Id='{BcFormat.Guid(id)}'");

    private BcSalesOrder StoreBcOrder(BcSalesOrder order, string changeType)
    {
        var now = TimeProvider.GetUtcNow();
        order = order with
        {
            FullyShipped = order.Lines.Where(l => l.LineType == "Item").All(l => l.ShippedQuantity == l.Quantity) && order.Lines.Any(l => l.ShippedQuantity != 0),
            LastModifiedDateTime = now,
            ETag = NextBcETag(),
        };
        _bcSalesOrders[order.Id] = order;
        NotifyBc("salesOrders", order.Id, changeType, now);
        return order;
    }

    /// <summary>The sell-to customer a create or an update names, as BC's page validates <c>customerId</c> and <c>customerNumber</c>.</summary>
    private BcCustomer ResolveBcSellToCustomer(BcSalesOrder order, IReadOnlyDictionary<string, object?> values)
    {
        var byId = values.TryGetValue("customerId", out var id) ? _bcCustomers.GetValueOrDefault((Guid)id!) : null;
        var byNumber = values.TryGetValue("customerNumber", out var number)
            ? _bcCustomers.Values.FirstOrDefault(c => c.Number == (string)number!)
            : null;
        if (!values.ContainsKey("customerId") && !values.ContainsKey("customerNumber"))
        {
            return order.CustomerId != Guid.Empty && _bcCustomers.TryGetValue(order.CustomerId, out var existing)
                ? existing
                : throw BcErrors.Dialog("A \"customerNumber\" or a \"customerId\" must be provided.");
        }

        if ((values.ContainsKey("customerId") && byId is null) || (values.ContainsKey("customerNumber") && byNumber is null))
        {
            throw BcErrors.Dialog("The sell-to customer cannot be found.");
        }

        if (byId is not null && byNumber is not null && byId.Id != byNumber.Id)
        {
            throw BcErrors.Dialog("The sell-to customer values do not match to a specific Customer.");
        }

        return byId ?? byNumber!;
    }

    private BcItem ResolveBcLineItem(BcSalesOrderLine line, IReadOnlyDictionary<string, object?> values)
    {
        BcItem? item = null;
        if (values.TryGetValue("itemId", out var id))
        {
            item = _bcItems.GetValueOrDefault((Guid)id!)
                   ?? throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.DialogException, "The \"itemId\" does not match to an Item.");
        }

        if (values.ContainsKey("lineObjectNumber"))
        {
            var byNumber = _bcItems.Values.FirstOrDefault(i => i.Number == line.LineObjectNumber)
                           ?? throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.RecordNotFound,
                               $"The Item does not exist. Identification fields and values: No.='{line.LineObjectNumber}'");
            if (item is not null && item.Id != byNumber.Id)
            {
                throw BcErrors.Dialog("The item values do not match to a specific Item.");
            }

            item = byNumber;
        }

        if (item is null)
        {
            throw BcErrors.Dialog("A \"lineObjectNumber\" or an \"itemId\" must be provided for a line of type Item.");
        }

        return item.Blocked
            ? throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.FieldValidation,
                $"Blocked must be equal to 'No'  in Item: No.={item.Number}. Current value is 'Yes'.")
            : item;
    }

    private BcSalesOrderLine NewBcLine(Guid orderId, Dictionary<string, object?> values, IReadOnlyList<BcSalesOrderLine> existing)
    {
        var line = new BcSalesOrderLine(Guid.NewGuid(), orderId, 0, null, "Item", string.Empty, string.Empty, string.Empty, 0, 0, 0, 0, 0, null, string.Empty);
        line = BcSchema.SalesOrderLine.Apply(line, values);
        if (!values.ContainsKey("sequence"))
        {
            line = line with { Sequence = existing.Count == 0 ? 10000 : existing.Max(l => l.Sequence) + 10000 };
        }
        else if (existing.Any(l => l.Sequence == line.Sequence))
        {
            throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.EntityWithSameKeyExists,
                $"The Sales Line already exists. Identification fields and values: Document Type='Order',Line No.='{line.Sequence}'");
        }

        if (line.LineType == "Comment")
        {
            return line with { ItemId = null, LineObjectNumber = string.Empty, Quantity = 0, UnitPrice = 0, ShipQuantity = 0, ETag = NextBcETag() };
        }

        if (line.Quantity < 0)
        {
            throw BcErrors.Dialog("Quantity must be positive.");
        }

        var item = ResolveBcLineItem(line, values);
        return line with
        {
            ItemId = item.Id,
            LineObjectNumber = item.Number,
            Description = values.ContainsKey("description") ? line.Description : item.DisplayName,
            UnitOfMeasureCode = values.ContainsKey("unitOfMeasureCode") ? line.UnitOfMeasureCode : item.BaseUnitOfMeasureCode,
            UnitPrice = values.ContainsKey("unitPrice") ? line.UnitPrice : item.UnitPrice,
            ShipQuantity = values.ContainsKey("shipQuantity") ? Math.Min(line.ShipQuantity, line.Quantity) : line.Quantity,
            ETag = NextBcETag(),
        };
    }

    /// <summary>Queues a change for every live subscription to the entity set, merging and collapsing as BC's job does.</summary>
    private void NotifyBc(string entitySet, Guid entityId, string changeType, DateTimeOffset time)
    {
        if (_bcSuppressedChanges > 0)
        {
            _bcSuppressedChanges--;
            return;
        }

        var threshold = _bcSettings.CollectionThreshold;
        foreach (var entry in _bcSubscriptions.Values)
        {
            if (entry.EntitySet != entitySet || entry.Subscription.ExpirationDateTime < time)
            {
                continue;
            }

            var pending = entry.Pending;
            if (pending.Count > 0 && pending[^1].ChangeType == "collection")
            {
                pending[^1].Last = time;
                pending[^1].HasDelete |= changeType == "deleted";
            }
            else if (changeType == "updated" && pending.FindLast(p => p.EntityId == entityId) is { ChangeType: "updated" } same)
            {
                same.Last = time;
            }
            else if (pending.Count >= threshold)
            {
                var collection = new BcPendingEntry(Guid.Empty, "collection", pending.Min(p => p.First), time)
                {
                    HasDelete = changeType == "deleted" || pending.Any(p => p.HasDelete),
                    Attempts = pending.Max(p => p.Attempts),
                };
                pending.Clear();
                pending.Add(collection);
            }
            else
            {
                pending.Add(new BcPendingEntry(entityId, changeType, time, time) { HasDelete = changeType == "deleted" });
            }
        }
    }

    /// <summary>Deletes expired subscriptions and takes what the others have waiting, one batch per notification URL.</summary>
    private List<BcBatch> TakeBcBatches(out TimeSpan timeout)
    {
        lock (_gate)
        {
            timeout = _bcSettings.NotificationTimeout;
            var now = TimeProvider.GetUtcNow();
            foreach (var expired in _bcSubscriptions.Values.Where(s => s.Subscription.ExpirationDateTime < now).ToList())
            {
                _bcSubscriptions.Remove(expired.Subscription.SubscriptionId);
            }

            var batches = new List<BcBatch>();
            foreach (var group in _bcSubscriptions.Values.Where(s => s.Pending.Count > 0)
                         .GroupBy(s => s.Subscription.NotificationUrl.AbsoluteUri, StringComparer.Ordinal))
            {
                var taken = group.Select(s => (Entry: s, Pending: s.Pending.ToList())).ToList();
                var value = new JsonArray();
                foreach (var (entry, pending) in taken)
                {
                    entry.Pending.Clear();
                    foreach (var p in pending)
                    {
                        value.Add(new JsonObject
                        {
                            ["subscriptionId"] = entry.Subscription.SubscriptionId,
                            ["clientState"] = entry.Subscription.ClientState,
                            ["expirationDateTime"] = BcFormat.Time(entry.Subscription.ExpirationDateTime),
                            ["resource"] = p.Resource(entry),
                            ["changeType"] = p.ChangeType,
                            ["lastModifiedDateTime"] = BcFormat.Time(p.Last),
                        });
                    }
                }

                var body = BcFormat.Json(new JsonObject { ["value"] = value });
                batches.Add(new BcBatch(taken[0].Entry.Subscription.NotificationUrl, body, taken));
            }

            return batches;
        }
    }

    /// <summary>Settles a batch by the receiver's answer, as BC's job does.</summary>
    private BcNotificationDelivery SettleBcBatch(BcBatch batch, int? status)
    {
        lock (_gate)
        {
            var outcome = status switch
            {
                >= 200 and < 300 => BcDeliveryOutcome.Delivered,
                null or 408 or 429 or (>= 500 and < 600) => BcDeliveryOutcome.Retry,
                _ => BcDeliveryOutcome.SubscriptionsDeleted,
            };

            foreach (var (entry, pending) in batch.Taken)
            {
                if (outcome == BcDeliveryOutcome.Retry && _bcSubscriptions.ContainsKey(entry.Subscription.SubscriptionId))
                {
                    foreach (var p in pending)
                    {
                        p.Attempts++;
                    }

                    entry.Pending.InsertRange(0, pending);
                }
                else if (outcome == BcDeliveryOutcome.SubscriptionsDeleted)
                {
                    _bcSubscriptions.Remove(entry.Subscription.SubscriptionId);
                }
            }

            var delivery = new BcNotificationDelivery(TimeProvider.GetUtcNow(), batch.Url,
                [.. batch.Taken.Select(t => t.Entry.Subscription.SubscriptionId)], batch.Body, status, outcome);
            _bcDeliveries.Add(delivery);
            return delivery;
        }
    }

    private void ResetBusinessCentral()
    {
        _bcItems.Clear();
        _bcCustomers.Clear();
        _bcSalesOrders.Clear();
        _bcShipments.Clear();
        _bcInvoices.Clear();
        _bcLotLines.Clear();
        _bcLedger.Clear();
        _bcSubscriptions.Clear();
        _bcDeliveries.Clear();
        _bcHandshakes.Clear();
        _bcBatchOperations.Clear();
        _bcBatchSeries = 0;
        _bcTokens.Clear();
        _bcSettings = _bcDefaults;
        _bcVersion = 1;
        _bcCompany = NewBcCompany(1);
        _bcItemSeries = _bcCustomerSeries = _bcOrderSeries = _bcShipmentSeries = _bcInvoiceSeries = 0;
        _bcSuppressedChanges = 0;
        _bcMaxObservedInFlight = 0;
        _bcLotJournal = false;
    }

    /// <summary>The fake's settings that tests may change and <see cref="Reset"/> restores.</summary>
    private sealed record BcSettings
    {
        public int MaxPageSize { get; init; } = 20_000;

        public int MaxInFlight { get; init; } = 5;

        public int MaxQueued { get; init; } = 95;

        public int CollectionThreshold { get; init; } = 1000;

        public TimeSpan? ProcessingDelay { get; init; }

        public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

        public TimeSpan NotificationTimeout { get; init; } = TimeSpan.FromSeconds(5);
    }

    private sealed record BcToken(string ClientId, string Tenant, DateTimeOffset ExpiresAt);

    private sealed class BcCallerGate
    {
        public int InFlight { get; set; }

        public LinkedList<TaskCompletionSource> Waiters { get; } = new();
    }

    private sealed class BcSubscriptionEntry(BcSubscription subscription, string entitySet)
    {
        public BcSubscription Subscription { get; set; } = subscription;

        /// <summary>The entity set of the resource (<c>customers</c>, <c>items</c>...).</summary>
        public string EntitySet { get; set; } = entitySet;

        public List<BcPendingEntry> Pending { get; } = [];
    }

    /// <summary>A change (or, for <c>collection</c>, many) waiting for delivery to one subscription.</summary>
    private sealed class BcPendingEntry(Guid entityId, string changeType, DateTimeOffset first, DateTimeOffset last)
    {
        public Guid EntityId { get; } = entityId;

        public string ChangeType { get; } = changeType;

        public DateTimeOffset First { get; } = first;

        public DateTimeOffset Last { get; set; } = last;

        public bool HasDelete { get; set; }

        public int Attempts { get; set; }

        public BcPendingEntry Clone() => new(EntityId, ChangeType, First, Last) { HasDelete = HasDelete, Attempts = Attempts };

        /// <summary>
        /// The entity, or for a collection the set filtered on <c>lastModifiedDateTime</c> from 50 ms before the first
        /// change (unfiltered when a delete is among them), as BC's <c>API Webhook Notification Send</c> builds it.
        /// </summary>
        public string Resource(BcSubscriptionEntry subscription)
        {
            var resource = subscription.Subscription.Resource;
            if (ChangeType != "collection")
            {
                return resource + "(" + BcFormat.Guid(EntityId) + ")";
            }

            return HasDelete ? resource : resource + "?$filter=lastModifiedDateTime%20gt%20" + BcFormat.Time(First.AddMilliseconds(-50));
        }

        public BcPendingNotification ToRecord(BcSubscriptionEntry subscription)
            => new(subscription.Subscription.SubscriptionId, ChangeType, Resource(subscription), Last, Attempts);
    }

    private sealed record BcBatch(Uri Url, string Body, List<(BcSubscriptionEntry Entry, List<BcPendingEntry> Pending)> Taken);
}
