using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Processing;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.BusinessCentral;

/// <summary>
/// Business Central as the ERP. It has no idempotency keys, so every create looks up first: sales orders by
/// <c>externalDocumentNumber</c> (the Tracktile order id), items by <c>number</c>, journal lines by their document
/// number. Updates carry <c>If-Match</c>; a 409 (changed meanwhile) is read again and retried.
/// </summary>
public sealed class BusinessCentralErp(
    BusinessCentralClient bc, TracktileClient tracktile, SyncStateStore state, IOptions<BusinessCentralOptions> options, TimeProvider timeProvider) : IErp
{
    private const int MaxConflictRetries = 3;

    private const string Cancelled = "cancelled";

    private readonly BusinessCentralOptions _options = options.Value;

    /// <inheritdoc />
    public string Name => "Business Central";

    /// <inheritdoc />
    public bool ShipmentsNeedOrder => true;

    /// <inheritdoc />
    public bool SalesOrdersNeedLinks => true; // its lines name items and the order a customer by Business Central's numbers

    /// <inheritdoc />
    public async Task<ErpCreated> CreateSalesOrderAsync(ErpSalesOrder order, string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        var external = ExternalDocumentNumber(order.ExternalId);
        if (await FindOrderAsync(external, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return new ErpCreated(Id(existing), Replayed: true);
        }

        if (await bc.FindAsync("salesShipments", $"externalDocumentNumber eq {BusinessCentralClient.Literal(external)}", cancellationToken).ConfigureAwait(false) is { } shipped)
        {
            // Shipped and invoiced already (Business Central then deletes the order): never made again.
            return new ErpCreated(Id(shipped), Replayed: true);
        }

        var body = new JsonObject { ["externalDocumentNumber"] = external };
        await SetCustomerAsync(body, order, cancellationToken).ConfigureAwait(false);
        if (BusinessCentralMapping.Date(order.DueDate) is { } due)
        {
            body["requestedDeliveryDate"] = due;
        }

        if (_options.Orders.SendCurrencyCode && order.Currency is { Length: > 0 } currency)
        {
            body["currencyCode"] = currency;
        }

        var lines = new JsonArray();
        foreach (var line in order.Lines)
        {
            var item = line.ErpItemId ?? throw new NotReadyException(
                $"product {line.ProductId} of order {order.ExternalId} is not a Business Central item yet (the product batch creates it; retried)");
            var bcLine = new JsonObject { ["lineType"] = "Item", ["lineObjectNumber"] = item, ["quantity"] = line.Quantity, ["sequence"] = line.LineNumber * 10_000 };
            if (line.UnitPrice is { } price)
            {
                bcLine["unitPrice"] = price;
            }

            lines.Add(bcLine);
        }

        body["salesOrderLines"] = lines; // deep insert: the order and its lines in one call, all or nothing
        if (order.Attempts?.LastSentAt is { } sent && timeProvider.GetUtcNow() - sent < ErpCreateAttempts.SettleTime)
        {
            // An earlier attempt sent the create and lost the answer: Business Central may still be committing it (it
            // queues requests and runs one up to 8 minutes). Look again later rather than create a second order.
            throw new NotReadyException(
                $"order {order.ExternalId}: a create sent at {sent:O} got no answer and no sales order is found yet; looked up again before any new create");
        }

        if (order.Attempts is { } attempts)
        {
            await attempts.SendingAsync().ConfigureAwait(false);
        }

        JsonElement created;
        try
        {
            created = await bc.CreateAsync("salesOrders", body, cancellationToken).ConfigureAwait(false);
        }
        catch (BusinessCentralApiException ex) when (ex.Status is >= 400 and < 500 and not 408 && order.Attempts is { } refused)
        {
            await refused.RefusedAsync().ConfigureAwait(false); // an answer: nothing was made, the next attempt may create
            throw;
        }

        return new ErpCreated(Id(created), Replayed: false);
    }

    /// <inheritdoc />
    public async Task<string> UpdateSalesOrderStatusAsync(string erpId, ErpSalesOrderStatusUpdate update, string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        var key = BusinessCentralClient.Key("salesOrders", erpId);
        if (update.TracktileStatus == Cancelled)
        {
            if (_options.Orders.OnCancelled == BusinessCentralCancelAction.None)
            {
                return $"not changed: sales order {erpId} stays (BusinessCentral:Orders:OnCancelled is None)";
            }

            return await bc.DeleteAsync(key, cancellationToken).ConfigureAwait(false)
                ? $"deleted sales order {erpId} (cancelled in Tracktile)"
                : $"sales order {erpId} was gone already (posted or deleted in Business Central)";
        }

        if (_options.Orders.StatusField is not { Length: > 0 } field || _options.Orders.StatusApiPath is not { Length: > 0 } statusApi)
        {
            return $"not changed: a Business Central sales order has no free status for {update.TracktileStatus} (BusinessCentral:Orders:StatusField is not set)";
        }

        var onPage = await bc.CustomPathAsync(statusApi, BusinessCentralClient.Key(_options.Orders.StatusEntitySet, erpId), cancellationToken).ConfigureAwait(false);
        return await PatchAsync(onPage, new JsonObject { [field] = update.Status }, cancellationToken).ConfigureAwait(false)
            ? $"sales order {erpId} {field} -> {update.Status}"
            : $"sales order {erpId} is gone (posted or deleted in Business Central): {update.TracktileStatus} not applied";
    }

    /// <inheritdoc />
    public async Task<string> ConfirmShipmentAsync(ErpShipmentConfirmation confirmation, string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(confirmation);
        var shipments = _options.Shipments;
        if (shipments.Action == BusinessCentralShipmentAction.None)
        {
            return $"not confirmed: shipment {confirmation.ShipmentId} is posted by a person (BusinessCentral:Shipments:Action is None)";
        }

        var orderId = confirmation.OrderId ?? throw new PermanentProcessingException($"shipment {confirmation.ShipmentId} has no order");
        var external = ExternalDocumentNumber(orderId);
        var order = confirmation.ErpOrderId is { } id
            ? await bc.GetEntityAsync(BusinessCentralClient.Key("salesOrders", id), cancellationToken).ConfigureAwait(false)
            : null;
        order ??= await FindOrderAsync(external, cancellationToken).ConfigureAwait(false);
        if (order is not { } salesOrder)
        {
            return await bc.FindAsync("salesShipments", $"externalDocumentNumber eq {BusinessCentralClient.Literal(external)}", cancellationToken).ConfigureAwait(false) is { } posted
                ? $"already shipped: order {orderId} is posted as {BusinessCentralClient.Text(posted, "number")}"
                : throw new NotReadyException($"order {orderId} has no sales order in Business Central yet (shipment {confirmation.ShipmentId} waits for it)");
        }

        if (salesOrder.TryGetProperty("fullyShipped", out var fully) && fully.ValueKind == JsonValueKind.True)
        {
            return $"already shipped: sales order {BusinessCentralClient.Text(salesOrder, "number")}";
        }

        var custom = shipments.Action == BusinessCentralShipmentAction.Custom;
        var action = custom ? shipments.CustomActionPath!.Trim('/') : "Microsoft.NAV.shipAndInvoice";
        var target = custom
            ? await bc.CustomPathAsync(shipments.CustomApiPath!, $"{BusinessCentralClient.Key(shipments.CustomEntitySet, Id(salesOrder))}/{action}", cancellationToken).ConfigureAwait(false)
            : await bc.CompanyUriAsync($"{BusinessCentralClient.Key("salesOrders", Id(salesOrder))}/{action}", cancellationToken).ConfigureAwait(false);
        try
        {
            await bc.SendAsync(HttpMethod.Post, target, null, null, cancellationToken).ConfigureAwait(false);
        }
        catch (BusinessCentralApiException ex) when (ex.Status == 404)
        {
            // Posted (and so deleted) by a concurrent confirmation of the same order between our read and our call.
            if (await bc.FindAsync("salesShipments", $"externalDocumentNumber eq {BusinessCentralClient.Literal(external)}", cancellationToken).ConfigureAwait(false) is { } posted)
            {
                return $"already shipped: order {orderId} is posted as {BusinessCentralClient.Text(posted, "number")}";
            }

            throw;
        }

        return $"{action} on sales order {BusinessCentralClient.Text(salesOrder, "number")} for shipment {confirmation.ShipmentId}";
    }

    /// <inheritdoc />
    public async Task<string> UpsertProductAsync(ErpProduct product, string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(product);
        var plan = PlanItem(product);
        for (var attempt = 1; ; attempt++)
        {
            var write = DecideItem(plan, await bc.FindAsync("items", plan.Filter, cancellationToken).ConfigureAwait(false));
            if (write is null)
            {
                return plan.Number;
            }

            try
            {
                await bc.SendAsync(write.Method, await bc.CompanyUriAsync(write.Relative, cancellationToken).ConfigureAwait(false), write.Body, write.ETag, cancellationToken)
                    .ConfigureAwait(false);
                return plan.Number;
            }
            catch (BusinessCentralApiException ex) when (IsItemConflict(ex) && attempt < MaxConflictRetries)
            {
                // Made meanwhile (another run, or a person), or changed between our read and our write: read it again and decide again.
            }
        }
    }

    /// <summary>
    /// A page of products in two <c>$batch</c> requests per <see cref="BusinessCentralItemOptions.BatchSize"/> items (the
    /// look-ups, then the creates and updates) instead of two calls per item; an item that changed or was made between
    /// the two is written again on its own. With a batch size of 1, one item at a time within the concurrency limit.
    /// </summary>
    public async Task<IReadOnlyList<ProductWriteResult>> UpsertProductsAsync(IReadOnlyList<ProductWrite> products, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(products);
        if (_options.Items.BatchSize <= 1)
        {
            return await ProductWriteResult.EachAsync(products, _options.Resilience.MaxConcurrency, (w, ct) => UpsertProductAsync(w.Product, w.IdempotencyKey, ct), cancellationToken)
                .ConfigureAwait(false);
        }

        var results = new ProductWriteResult[products.Count];
        var again = new List<int>();
        foreach (var chunk in Enumerable.Range(0, products.Count).Chunk(_options.Items.BatchSize))
        {
            again.AddRange(await UpsertBatchAsync(products, chunk, results, cancellationToken).ConfigureAwait(false));
        }

        if (again.Count > 0)
        {
            var retried = await ProductWriteResult.EachAsync(
                [.. again.Select(i => products[i])], _options.Resilience.MaxConcurrency, (w, ct) => UpsertProductAsync(w.Product, w.IdempotencyKey, ct), cancellationToken)
                .ConfigureAwait(false);
            for (var r = 0; r < again.Count; r++)
            {
                results[again[r]] = retried[r];
            }
        }

        return results;
    }

    /// <summary>Looks up and writes the items of <paramref name="chunk"/>; returns the indexes to write again on their own (a conflict).</summary>
    private async Task<List<int>> UpsertBatchAsync(IReadOnlyList<ProductWrite> products, int[] chunk, ProductWriteResult[] results, CancellationToken cancellationToken)
    {
        var plans = new List<(int Index, ItemPlan Plan)>(chunk.Length);
        foreach (var i in chunk)
        {
            try
            {
                plans.Add((i, PlanItem(products[i].Product)));
            }
            catch (PermanentProcessingException ex)
            {
                results[i] = new ProductWriteResult(null, ex);
            }
        }

        var writes = new List<(int Index, string Number, BatchOperation Write)>(plans.Count);
        if (plans.Count > 0 && await TryBatchAsync(plans.Select(p => p.Index), results,
                [.. plans.Select(p => new BatchOperation(HttpMethod.Get, $"items?$filter={Uri.EscapeDataString(p.Plan.Filter)}&$top=1"))], cancellationToken).ConfigureAwait(false) is { } found)
        {
            for (var p = 0; p < plans.Count; p++)
            {
                var (i, plan) = plans[p];
                if (found[p].Error is { } error)
                {
                    results[i] = new ProductWriteResult(null, error);
                }
                else if (DecideItem(plan, FirstOf(found[p].Body)) is { } write)
                {
                    writes.Add((i, plan.Number, write));
                }
                else
                {
                    results[i] = new ProductWriteResult(plan.Number, null); // unchanged
                }
            }
        }

        var again = new List<int>();
        if (writes.Count > 0 && await TryBatchAsync(writes.Select(w => w.Index), results, [.. writes.Select(w => w.Write)], cancellationToken).ConfigureAwait(false) is { } written)
        {
            for (var w = 0; w < writes.Count; w++)
            {
                if (written[w].Error is { } error && IsItemConflict(error))
                {
                    again.Add(writes[w].Index);
                }
                else
                {
                    results[writes[w].Index] = written[w].Error is { } failed ? new ProductWriteResult(null, failed) : new ProductWriteResult(writes[w].Number, null);
                }
            }
        }

        return again;
    }

    /// <summary>One batch; when the batch itself fails (throttled past its retries, no answer), every product in it fails with that reason.</summary>
    private async Task<IReadOnlyList<BatchAnswer>?> TryBatchAsync(IEnumerable<int> indexes, ProductWriteResult[] results, List<BatchOperation> operations, CancellationToken cancellationToken)
    {
        try
        {
            return await bc.BatchAsync(operations, cancellationToken).ConfigureAwait(false);
        }
        catch (BusinessCentralApiException ex)
        {
            foreach (var i in indexes)
            {
                results[i] = new ProductWriteResult(null, ex);
            }

            return null;
        }
    }

    private static JsonElement? FirstOf(JsonElement? page)
        => page is { } body && body.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0 ? value[0] : null;

    private static bool IsItemConflict(BusinessCentralApiException ex) => ex.ErrorCode == "Internal_EntityWithSameKeyExists" || ex.IsEntityChanged;

    /// <summary>An item's number, the fields it should have, and the filter that finds it (by its old number too, when the number changed).</summary>
    private sealed record ItemPlan(string Number, JsonObject Wanted, string Filter);

    private ItemPlan PlanItem(ErpProduct product)
    {
        var number = BusinessCentralMapping.ItemNumber(product, _options.Items.NumberProperty);
        var wanted = BusinessCentralMapping.ItemFields(product, _options.Items);
        var filter = $"number eq {BusinessCentralClient.Literal(number)}";
        if (product.ErpKey is { Length: > 0 } previous && !string.Equals(previous, number, StringComparison.OrdinalIgnoreCase))
        {
            // The product's number field changed (a new SKU): the item it had is renamed, never left behind for a new one.
            wanted["number"] = number;
            filter = $"number eq {BusinessCentralClient.Literal(previous)} or number eq {BusinessCentralClient.Literal(number)}";
        }

        return new ItemPlan(number, wanted, filter);
    }

    /// <summary>The write that brings <paramref name="item"/> (null: none yet) to the plan: a create, a PATCH of what differs, or nothing.</summary>
    private BatchOperation? DecideItem(ItemPlan plan, JsonElement? item)
    {
        if (item is null)
        {
            var body = (JsonObject)plan.Wanted.DeepClone();
            body["number"] = plan.Number; // (also when renaming: neither the old nor the new number exists)
            body["type"] = _options.Items.Type;
            return new BatchOperation(HttpMethod.Post, "items", body);
        }

        var changed = BusinessCentralMapping.Changed(plan.Wanted, item.Value);
        return changed.Count == 0 ? null : new BatchOperation(HttpMethod.Patch, BusinessCentralClient.Key("items", Id(item.Value)), changed, BusinessCentralClient.ETag(item.Value));
    }

    /// <inheritdoc />
    public async Task PostStockMovementAsync(ErpStockMovement movement, string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(movement);
        var journal = _options.LotJournal;
        if (journal.ApiPath is not { Length: > 0 } apiPath)
        {
            throw new PermanentProcessingException(
                "Business Central's standard API has no item journal and no lots: set BusinessCentral:LotJournal:ApiPath to your lot journal API page (docs/connectors/business-central.md), then replay");
        }

        var item = (await state.GetAsync(ErpProductConsumer.Scope, movement.ProductId, cancellationToken).ConfigureAwait(false))?.TargetId ?? throw new NotReadyException(
            $"product {movement.ProductId} is not a Business Central item yet (the product batch creates it; retried)");
        var f = journal.Fields;
        var document = BusinessCentralMapping.DocumentNumber(idempotencyKey);
        var lines = await bc.CustomPathAsync(apiPath, journal.EntitySet, cancellationToken).ConfigureAwait(false);
        var found = await bc.GetAsync(new Uri($"{lines}?$filter={Uri.EscapeDataString($"{f.DocumentNumber} eq {BusinessCentralClient.Literal(document)}")}"), cancellationToken).ConfigureAwait(false);
        var line = found is { } page && page.TryGetProperty("value", out var value) && value.GetArrayLength() > 0 ? value[0].Clone() : (JsonElement?)null;
        if (line is null && await bc.FindAsync("itemLedgerEntries", $"documentNumber eq {BusinessCentralClient.Literal(document)}", cancellationToken).ConfigureAwait(false) is not null)
        {
            return; // posted by an earlier attempt: Business Central deleted the journal line, its ledger entry remains
        }

        if (line is null)
        {
            var (entryType, quantity) = movement.MovementType switch
            {
                StockMovementType.Transfer => ("Transfer", movement.Quantity),
                StockMovementType.WriteOff => ("Negative Adjmt.", -Math.Abs(movement.Quantity)),
                StockMovementType.Adjustment when movement.Quantity < 0 => ("Negative Adjmt.", movement.Quantity),
                _ => ("Positive Adjmt.", movement.Quantity),
            };
            var body = new JsonObject
            {
                [f.DocumentNumber] = document,
                [f.ItemNumber] = item,
                [f.LotNumber] = movement.LotCode,
                [f.Quantity] = quantity,
                [f.EntryType] = entryType,
                [f.PostingDate] = movement.EventTime.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                [f.LocationCode] = movement.FromLocation ?? movement.ToLocation ?? "",
            };
            if (movement.MovementType == StockMovementType.Transfer)
            {
                body[f.NewLocationCode] = movement.ToLocation ?? "";
            }

            if (journal.JournalName is { Length: > 0 } name)
            {
                body[f.JournalName] = name;
            }

            if (movement.Unit is { Length: > 0 } unit && _options.Items.UnitsOfMeasure.TryGetValue(unit, out var code))
            {
                body[f.UnitOfMeasureCode] = code;
            }

            line = await bc.SendAsync(HttpMethod.Post, lines, body, null, cancellationToken).ConfigureAwait(false);
        }
        else if (line.Value.TryGetProperty("posted", out var posted) && posted.ValueKind == JsonValueKind.True)
        {
            return; // created and posted by an earlier attempt
        }

        if (journal.PostAction is { Length: > 0 } post && line is { } created)
        {
            await bc.SendAsync(HttpMethod.Post, new Uri($"{lines}({Id(created)})/{post}"), null, null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<JsonElement> GetCustomerAsync(string erpCustomerId, CancellationToken cancellationToken)
        => await bc.GetEntityAsync(BusinessCentralClient.Key("customers", erpCustomerId), cancellationToken).ConfigureAwait(false) is { } customer
            ? BusinessCentralMapping.ToSyncedCustomer(customer)
            : throw new BusinessCentralApiException(404, "BadRequest_NotFound", null, $"customer {erpCustomerId} is not in Business Central");

    /// <inheritdoc />
    public async Task PutCustomerAsync(string erpCustomerId, string tracktileCustomerId, JsonElement customer, string idempotencyKey, CancellationToken cancellationToken)
    {
        if (!await PatchAsync(BusinessCentralClient.Key("customers", erpCustomerId), BusinessCentralMapping.FromSyncedCustomer(customer), cancellationToken).ConfigureAwait(false))
        {
            throw new BusinessCentralApiException(404, "BadRequest_NotFound", null, $"customer {erpCustomerId} is not in Business Central");
        }
    }

    /// <summary>Reads, then patches what differs with the read's ETag; on 409, reads again. False when the entity is gone.</summary>
    private async Task<bool> PatchAsync(string key, JsonObject wanted, CancellationToken cancellationToken)
        => await PatchAsync(await bc.CompanyUriAsync(key, cancellationToken).ConfigureAwait(false), wanted, cancellationToken).ConfigureAwait(false);

    private async Task<bool> PatchAsync(Uri entity, JsonObject wanted, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            JsonElement current;
            try
            {
                current = await bc.GetAsync(entity, cancellationToken).ConfigureAwait(false)
                    ?? throw new BusinessCentralApiException(204, Http.JsonHttp.MalformedResponse, null, "an entity read with no body");
            }
            catch (BusinessCentralApiException ex) when (ex.Status == 404)
            {
                return false;
            }

            var changed = BusinessCentralMapping.Changed(wanted, current);
            if (changed.Count == 0)
            {
                return true;
            }

            try
            {
                await bc.SendAsync(HttpMethod.Patch, entity, changed, BusinessCentralClient.ETag(current), cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (BusinessCentralApiException ex) when (ex.IsEntityChanged && attempt < MaxConflictRetries)
            {
                // Changed between read and write: read again.
            }
        }
    }

    private Task<JsonElement?> FindOrderAsync(string external, CancellationToken cancellationToken)
        => bc.FindAsync("salesOrders", $"externalDocumentNumber eq {BusinessCentralClient.Literal(external)}", cancellationToken);

    /// <summary>Sets <c>customerNumber</c> or <c>customerId</c>: the configured number, the customer sync's link, then <see cref="BusinessCentralOrderOptions.WhenCustomerMissing"/>.</summary>
    private async Task SetCustomerAsync(JsonObject body, ErpSalesOrder order, CancellationToken cancellationToken)
    {
        var orders = _options.Orders;
        var tracktileId = order.CustomerId;
        if (tracktileId is { Length: > 0 } && orders.CustomerNumbers.TryGetValue(tracktileId, out var number))
        {
            body["customerNumber"] = number;
            return;
        }

        if (order.ErpCustomerId is { Length: > 0 } linked && Guid.TryParse(linked, out var linkedId))
        {
            body["customerId"] = linkedId.ToString("D");
            return;
        }

        switch (orders.WhenCustomerMissing)
        {
            case BusinessCentralMissingCustomer.UseDefault when orders.DefaultCustomerNumber is { Length: > 0 } fallback:
                body["customerNumber"] = fallback;
                return;
            case BusinessCentralMissingCustomer.Create when tracktileId is { Length: > 0 }:
                body["customerNumber"] = await EnsureCustomerAsync(tracktileId, cancellationToken).ConfigureAwait(false);
                return;
            default:
                throw new PermanentProcessingException(
                    $"Tracktile customer {tracktileId ?? "(none)"} of order {order.ExternalId} has no Business Central customer: set BusinessCentral:Orders:CustomerNumbers:{tracktileId}, " +
                    "or BusinessCentral:Orders:WhenCustomerMissing (UseDefault, Create), then replay");
        }
    }

    /// <summary>Finds or creates the customer for a Tracktile customer, by a number derived from its id (created once).</summary>
    private async Task<string> EnsureCustomerAsync(string tracktileId, CancellationToken cancellationToken)
    {
        var number = BusinessCentralMapping.CreatedCustomerNumber(_options.Orders.CreatedCustomerPrefix, tracktileId);
        if (await bc.FindAsync("customers", $"number eq {BusinessCentralClient.Literal(number)}", cancellationToken).ConfigureAwait(false) is not null)
        {
            return number;
        }

        var source = await tracktile.GetCustomerAsync(tracktileId, cancellationToken).ConfigureAwait(false);
        var body = BusinessCentralMapping.FromSyncedCustomer(source);
        body["number"] = number;
        foreach (var empty in body.Where(p => p.Value is JsonValue v && v.TryGetValue<string>(out var s) && s.Length == 0).Select(p => p.Key).ToList())
        {
            body.Remove(empty);
        }

        try
        {
            await bc.CreateAsync("customers", body, cancellationToken).ConfigureAwait(false);
        }
        catch (BusinessCentralApiException ex) when (ex.ErrorCode == "Internal_EntityWithSameKeyExists")
        {
            // Created meanwhile by a concurrent order of the same customer: it is the one.
        }

        return number;
    }

    /// <summary>The order's <c>externalDocumentNumber</c>: a Code[35], which Business Central keeps upper-cased.</summary>
    private static string ExternalDocumentNumber(string tracktileOrderId)
        => tracktileOrderId.Length <= BusinessCentralMapping.ExternalDocumentNumberLength
            ? tracktileOrderId.ToUpperInvariant()
            : throw new PermanentProcessingException(
                $"Tracktile order id {tracktileOrderId} is longer than Business Central's externalDocumentNumber ({BusinessCentralMapping.ExternalDocumentNumberLength} characters)");

    private static string Id(JsonElement entity)
        => BusinessCentralClient.Text(entity, "id") ?? throw new BusinessCentralApiException(200, Http.JsonHttp.MalformedResponse, null, "the entity has no id");
}
