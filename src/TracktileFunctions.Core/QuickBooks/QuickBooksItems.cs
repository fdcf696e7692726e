using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Http;
using TracktileFunctions.Processing;
using TracktileFunctions.Store;
using TracktileFunctions.Sync;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.QuickBooks;

/// <summary>
/// Tracktile products -> QuickBooks items, by one set of rules: an item is mapped (<c>QuickBooks:Items:Map</c>), linked
/// (sync state, scope <see cref="Scope"/>: the first link wins), found by <c>Items:MatchBy</c> (its <c>Sku</c> or
/// <c>Name</c> is the product's SKU), or created (<c>Items:CreateMissing</c> with <c>Items:IncomeAccountId</c>) named by
/// the SKU; a name taken (6240) links the active item of that name. Two ways in:
/// <list type="bullet">
/// <item>an invoice line (<see cref="ItemIdAsync"/>): one product, its SKU from the SKU index, one call at a time;</item>
/// <item>the product batch's pages (<see cref="ApplyAsync"/>): in chunks of <see cref="QuickBooksClient.MaxBatchItems"/>,
/// one batch of queries (mapped and linked items read by id, the others looked up) and one batch of writes (creates, and
/// sparse updates of <c>Description</c> and <c>Active</c> where they differ) per chunk. The page's products are locked in
/// sync state together, with the version guard: an older version never overwrites a newer one, the same version is
/// skipped unless the page is a forced resync.</item>
/// </list>
/// </summary>
public sealed class QuickBooksItems(
    QuickBooksClient quickbooks, ProductSkuIndex skus, SyncStateStore state, IOptions<QuickBooksOptions> options, IOptions<TracktileClientOptions> tracktileOptions)
    : IProductPageTarget
{
    /// <summary>The sync state scope of Tracktile products linked to QuickBooks items (and the versions the batch applied).</summary>
    public const string Scope = "quickbooks-item";

    private const string Item = "Item";

    private readonly QuickBooksItemOptions _items = options.Value.Items;
    private readonly TracktileProductsOptions _products = tracktileOptions.Value.Products;

    /// <inheritdoc />
    public string Name => "quickbooks-products";

    // ---- one item, for an invoice line ----

    /// <summary>The QuickBooks item of a Tracktile product: mapped, linked, found by SKU (or name), or created, then linked.</summary>
    /// <exception cref="NotReadyException">The product is not in the SKU index yet.</exception>
    /// <exception cref="PermanentProcessingException">Not found and not to be created, or only an inactive item has its name.</exception>
    public async Task<string> ItemIdAsync(string productId, CancellationToken cancellationToken)
    {
        if (_items.Map.TryGetValue(productId, out var mapped))
        {
            return mapped;
        }

        if ((await state.GetAsync(Scope, productId, cancellationToken).ConfigureAwait(false))?.TargetId is { } linked)
        {
            return linked;
        }

        var sku = await skus.SkuOfAsync(productId, cancellationToken).ConfigureAwait(false)
            ?? throw new NotReadyException($"product {productId} has no SKU in the index yet (the product batch feeds it), so its QuickBooks item is unknown; or map it in QuickBooks:Items:Map");
        var id = await FindAsync(QuickBooksMapping.ItemQuery(_items.MatchBy, sku), cancellationToken).ConfigureAwait(false);
        if (id is null)
        {
            var body = NewItem(sku, null) ?? throw new PermanentProcessingException($"product {productId} (SKU {sku}) {NotFound(sku)}");
            try
            {
                id = QuickBooksClient.Text(await quickbooks.PostAsync(Item, body, CreateKey(productId, body), null, cancellationToken).ConfigureAwait(false), "Id");
            }
            catch (QuickBooksApiException ex) when (ex.ErrorCode == QuickBooksApiException.DuplicateName)
            {
                id = await FindAsync(QuickBooksMapping.ItemQuery(QuickBooksItemMatch.Name, QuickBooksMapping.ItemName(sku)), cancellationToken).ConfigureAwait(false)
                    ?? throw NameTaken(productId, sku);
            }
        }

        return await state.LinkAsync(Scope, productId, id!, null, refuseShared: false, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string?> FindAsync(string query, CancellationToken cancellationToken)
        => FirstId(await quickbooks.QueryAsync(Item, query, cancellationToken).ConfigureAwait(false));

    // ---- the product batch's pages ----

    /// <inheritdoc />
    public async Task<IReadOnlyList<ProductOutcome>> ApplyAsync(ProductPage page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        var outcomes = new ProductOutcome[page.Products.Count];
        var newest = new Dictionary<string, Wanted>(StringComparer.Ordinal); // per product id, its newest version in the page
        for (var i = 0; i < page.Products.Count; i++)
        {
            if (Read(page.Products[i], i) is not { } wanted)
            {
                outcomes[i] = ProductOutcome.Failed(new PermanentProcessingException($"product has no '{_products.IdProperty}' (check Tracktile:Api:Products:IdProperty)"));
            }
            else if (newest.TryGetValue(wanted.ProductId, out var other) && !(other.Version < wanted.Version))
            {
                outcomes[i] = ProductOutcome.Done($"skipped: a newer version of {wanted.ProductId} is in the same page");
            }
            else
            {
                if (other is not null)
                {
                    outcomes[other.Index] = ProductOutcome.Done($"skipped: a newer version of {wanted.ProductId} is in the same page");
                }

                newest[wanted.ProductId] = wanted;
            }
        }

        foreach (var wanted in newest.Values.Where(w => w.Sku is null).ToList())
        {
            outcomes[wanted.Index] = ProductOutcome.Done("no SKU: no QuickBooks item");
            newest.Remove(wanted.ProductId);
        }

        var (locked, busy) = await state.LockManyAsync(Scope, newest.Keys, $"{Name}/{page.Id}", cancellationToken).ConfigureAwait(false);
        foreach (var key in busy)
        {
            outcomes[newest[key].Index] = ProductOutcome.Failed(new RecordBusyException($"product {key} is being linked by another page or invoice; retrying later"));
        }

        var plans = new List<Plan>(locked.Count);
        foreach (var (key, record) in locked)
        {
            var wanted = newest[key];
            if (wanted.Version is { } v && record.AppliedEventTime is { } applied && (applied > v || (applied == v && !page.Full)))
            {
                outcomes[wanted.Index] = ProductOutcome.Done(applied > v
                    ? $"stale: version {v:O} is older than {applied:O}, already applied to QuickBooks"
                    : $"unchanged: version {v:O} is applied to QuickBooks");
                continue;
            }

            plans.Add(new Plan(wanted, record, _items.Map.GetValueOrDefault(key) ?? record.TargetId, _items.Map.ContainsKey(key)));
        }

        try
        {
            foreach (var chunk in plans.Chunk(QuickBooksClient.MaxBatchItems))
            {
                await ApplyChunkAsync(chunk, outcomes, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await state.SaveManyAsync(locked.Values).ConfigureAwait(false); // the links made so far, and the locks released
            throw;
        }

        foreach (var key in await state.SaveManyAsync(locked.Values).ConfigureAwait(false))
        {
            // Only after this page outlived its lock: QuickBooks has the item, but the record is someone else's now.
            outcomes[newest[key].Index] = ProductOutcome.Failed(new RecordBusyException($"product {key}: the lock was taken over before the link was saved; retrying"));
        }

        return outcomes;
    }

    /// <summary>One chunk: a batch of queries, then a batch of writes, then what must be done on its own (5010, 6240).</summary>
    private async Task ApplyChunkAsync(Plan[] chunk, ProductOutcome[] outcomes, CancellationToken cancellationToken)
    {
        var found = await BatchAsync(chunk, [.. chunk.Select(p => QuickBooksBatchRequest.Select(
            p.ItemId is { } id ? QuickBooksMapping.ItemByIdQuery(id) : QuickBooksMapping.ItemQuery(_items.MatchBy, p.Product.Sku!)))], outcomes, cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            return;
        }

        var writes = new List<(Plan Plan, QuickBooksBatchRequest Request)>(chunk.Length);
        for (var p = 0; p < chunk.Length; p++)
        {
            var plan = chunk[p];
            var item = found[p].Found.FirstOrDefault(i => QuickBooksClient.Text(i, "Id") is not null);
            if (found[p].Error is { } error)
            {
                outcomes[plan.Product.Index] = ProductOutcome.Failed(error);
            }
            else if (item.ValueKind == JsonValueKind.Object)
            {
                var id = QuickBooksClient.Text(item, "Id")!;
                var changes = QuickBooksMapping.ItemChanges(item, plan.Product.Description, plan.Product.Active);
                if (changes.Count == 0)
                {
                    Applied(plan, id, outcomes, $"unchanged: QuickBooks item {id}");
                    continue;
                }

                changes["Id"] = id;
                changes["SyncToken"] = QuickBooksClient.Text(item, "SyncToken");
                changes["sparse"] = true;
                writes.Add((plan, QuickBooksBatchRequest.Write(Item, "update", changes)));
            }
            else if (plan.ItemId is { } missing)
            {
                outcomes[plan.Product.Index] = ProductOutcome.Failed(new PermanentProcessingException(
                    $"product {plan.Product.ProductId}: QuickBooks item {missing} ({(plan.Mapped ? "QuickBooks:Items:Map" : "linked before")}) is not in QuickBooks; map the product to another item"));
            }
            else if (plan.Product.Active == false)
            {
                outcomes[plan.Product.Index] = ProductOutcome.Done($"not created: the product is inactive and QuickBooks has no item with {_items.MatchBy} {plan.Product.Sku}");
            }
            else if (NewItem(plan.Product.Sku!, plan.Product.Description) is { } body)
            {
                writes.Add((plan, QuickBooksBatchRequest.Write(Item, "create", body)));
            }
            else
            {
                outcomes[plan.Product.Index] = ProductOutcome.Done($"not created: {NotFound(plan.Product.Sku!)}");
            }
        }

        if (writes.Count == 0
            || await BatchAsync([.. writes.Select(w => w.Plan)], [.. writes.Select(w => w.Request)], outcomes, cancellationToken).ConfigureAwait(false) is not { } written)
        {
            return;
        }

        var nameTaken = new List<Plan>();
        var alone = new List<(Plan Plan, string ItemId)>();
        for (var w = 0; w < writes.Count; w++)
        {
            var (plan, request) = writes[w];
            if (written[w].Error is { ErrorCode: QuickBooksApiException.DuplicateName } && request.Operation == "create")
            {
                nameTaken.Add(plan); // an item of that name exists, with another SKU
            }
            else if (written[w].Error is { ErrorCode: QuickBooksApiException.StaleObject })
            {
                alone.Add((plan, request.Body!["Id"]!.GetValue<string>())); // changed meanwhile: read again, on its own
            }
            else if (written[w].Error is { } error)
            {
                outcomes[plan.Product.Index] = ProductOutcome.Failed(error);
            }
            else if (QuickBooksClient.Text(written[w].Entity!.Value, "Id") is { } id)
            {
                Applied(plan, id, outcomes, request.Operation == "create"
                    ? $"created QuickBooks item {id}"
                    : $"updated QuickBooks item {id} ({string.Join(", ", request.Body!.Select(f => f.Key).Where(k => k is "Description" or "Active"))})");
            }
            else
            {
                outcomes[plan.Product.Index] = ProductOutcome.Failed(new QuickBooksApiException(200, JsonHttp.MalformedResponse, null, "the written item has no Id", transient: true));
            }
        }

        if (nameTaken.Count > 0
            && await BatchAsync(nameTaken, [.. nameTaken.Select(p => QuickBooksBatchRequest.Select(QuickBooksMapping.ItemQuery(QuickBooksItemMatch.Name, QuickBooksMapping.ItemName(p.Product.Sku!))))],
                outcomes, cancellationToken).ConfigureAwait(false) is { } named)
        {
            for (var p = 0; p < nameTaken.Count; p++)
            {
                if (named[p].Error is { } error)
                {
                    outcomes[nameTaken[p].Product.Index] = ProductOutcome.Failed(error);
                }
                else if (FirstId(named[p].Found) is { } id)
                {
                    alone.Add((nameTaken[p], id));
                }
                else
                {
                    outcomes[nameTaken[p].Product.Index] = ProductOutcome.Failed(NameTaken(nameTaken[p].Product.ProductId, nameTaken[p].Product.Sku!));
                }
            }
        }

        foreach (var (plan, id) in alone)
        {
            await UpdateAloneAsync(plan, id, outcomes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One product on its own: its item read again (a fresh <c>SyncToken</c>) and sparsely updated where it differs, then linked.</summary>
    private async Task UpdateAloneAsync(Plan plan, string itemId, ProductOutcome[] outcomes, CancellationToken cancellationToken)
    {
        var changed = new List<string>();
        try
        {
            await quickbooks.SparseUpdateAsync(Item, itemId, current =>
            {
                var changes = QuickBooksMapping.ItemChanges(current, plan.Product.Description, plan.Product.Active);
                changed = [.. changes.Select(c => c.Key)];
                return changes;
            }, plan.Product.EventId, cancellationToken).ConfigureAwait(false);
        }
        catch (ExternalApiException ex)
        {
            outcomes[plan.Product.Index] = ProductOutcome.Failed(ex);
            return;
        }

        Applied(plan, itemId, outcomes, changed.Count == 0 ? $"unchanged: QuickBooks item {itemId}" : $"updated QuickBooks item {itemId} ({string.Join(", ", changed)})");
    }

    /// <summary>One batch for <paramref name="plans"/>; when the batch itself fails (no answer, throttled too long), each of them fails with it.</summary>
    private async Task<IReadOnlyList<QuickBooksBatchAnswer>?> BatchAsync(
        IReadOnlyList<Plan> plans, List<QuickBooksBatchRequest> requests, ProductOutcome[] outcomes, CancellationToken cancellationToken)
    {
        try
        {
            return await quickbooks.BatchAsync(requests, cancellationToken).ConfigureAwait(false);
        }
        catch (ExternalApiException ex)
        {
            foreach (var plan in plans)
            {
                outcomes[plan.Product.Index] = ProductOutcome.Failed(ex);
            }

            return null;
        }
    }

    /// <summary>Done: the product is linked to <paramref name="itemId"/> (unless mapped; an existing link is never replaced) at this version.</summary>
    private static void Applied(Plan plan, string itemId, ProductOutcome[] outcomes, string outcome)
    {
        if (!plan.Mapped)
        {
            plan.Record.TargetId ??= itemId;
        }

        plan.Record.AppliedEventId = plan.Product.EventId;
        plan.Record.AppliedEventTime = plan.Product.Version;
        outcomes[plan.Product.Index] = ProductOutcome.Done(outcome);
    }

    /// <summary>The product's id, SKU, name, active flag and version, or null without an id.</summary>
    private Wanted? Read(PageProduct product, int index)
    {
        if (ErpProductMapping.ToErpProduct(product.Product, _products.IdProperty, _products.ModifiedAtProperty) is not { } p)
        {
            return null;
        }

        var sku = product.Product.TryGetProperty(_products.SkuProperty, out var s) && s.ValueKind == JsonValueKind.String && s.GetString()?.Trim() is { Length: > 0 } text ? text : null;
        return new Wanted(index, product.EventId, p.ExternalId, sku, p.Name, p.Active, p.ModifiedAt);
    }

    // ---- shared by both ways ----

    /// <summary>The body of the item to create for <paramref name="sku"/>, or null when items are not created (no <c>CreateMissing</c> or no income account).</summary>
    private JsonObject? NewItem(string sku, string? description)
        => _items.CreateMissing && _items.IncomeAccountId is { } account ? QuickBooksMapping.ItemBody(sku, description, _items.Type, account) : null;

    private string NotFound(string sku)
        => $"has no QuickBooks item with {_items.MatchBy} {sku}: map it in QuickBooks:Items:Map, or set QuickBooks:Items:CreateMissing and IncomeAccountId";

    private static string CreateKey(string productId, JsonObject body) => QuickBooksMapping.RequestId("item", productId, body.ToJsonString());

    private static PermanentProcessingException NameTaken(string productId, string sku)
        => new($"product {productId}: QuickBooks has an inactive item named {QuickBooksMapping.ItemName(sku)}; make it active or map the product in QuickBooks:Items:Map");

    private static string? FirstId(IEnumerable<JsonElement> items) => items.Select(i => QuickBooksClient.Text(i, "Id")).FirstOrDefault(i => i is not null);

    /// <summary>A product of the page as the items see it.</summary>
    private sealed record Wanted(int Index, string EventId, string ProductId, string? Sku, string? Description, bool? Active, DateTimeOffset? Version);

    /// <summary>A product to apply: its locked record and the item it is known by (mapped or linked), if any.</summary>
    private sealed record Plan(Wanted Product, SyncRecord Record, string? ItemId, bool Mapped);
}
