using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TracktileFunctions.Sandbox.BusinessCentral;

/// <summary>
/// The fake Business Central API under <c>/bc/v2.0/{tenant}/{environment}/api/</c>: API v2.0 (companies, items,
/// customers, sales orders and their lines, shipments, invoices, item ledger entries, subscriptions) and the
/// customer's lot journal extension (<c>api/tracktile/inventory/v1.0</c>), and <c>$batch</c> under either API root
/// (<see cref="BcBatch"/>). Authentication and the concurrency limit run before (<see cref="BcGateMiddleware"/>);
/// every error answers BC's <c>{"error":{"code","message"}}</c>.
/// </summary>
internal static partial class BcApi
{
    /// <summary>The path every BC request starts with.</summary>
    public const string Root = "/bc";

    /// <summary>The API path of the lot journal extension: <c>api/{publisher}/{group}/{version}</c>.</summary>
    public const string LotJournalApi = "tracktile/inventory/v1.0";

    /// <summary>The v2.0 resources BC documents as webhook-enabled (dynamics-subscriptions.md).</summary>
    public static readonly string[] WebhookResources =
    [
        "accounts", "companyInformation", "countriesRegions", "currencies", "customerPaymentJournals", "customers", "dimensions", "employees",
        "generalLedgerEntries", "itemCategories", "items", "journals", "paymentMethods", "paymentTerms", "purchaseInvoices", "salesCreditMemos",
        "salesInvoices", "salesOrders", "salesQuotes", "shipmentMethods", "unitsOfMeasure", "vendors",
    ];

    /// <summary>The content type of BC's JSON answers.</summary>
    internal const string ODataContentType = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";

    public static void Map(IEndpointRouteBuilder app)
        => app.Map(Root + "/{**path}", (HttpContext context, SandboxState state, SandboxOptions options) => HandleAsync(context, state, options));

    private static async Task<IResult> HandleAsync(HttpContext context, SandboxState state, SandboxOptions options)
    {
        if (BcBatch.IsBatchPath(context.Request))
        {
            try
            {
                return await BcBatch.HandleAsync(context, state, options);
            }
            catch (BcApiException error)
            {
                return BcErrors.Result(error);
            }
        }

        return await DispatchAsync(context, state, options);
    }

    /// <summary>
    /// Answers one API request (not a <c>$batch</c>): a standalone request, or one operation of a batch, which
    /// <see cref="BcBatch"/> hands over as a request of its own.
    /// </summary>
    internal static async Task<IResult> DispatchAsync(HttpContext context, SandboxState state, SandboxOptions options)
    {
        try
        {
            var route = BcRoute.Parse(context.Request, options);
            return route.Api == "v2.0"
                ? await V2Async(route, state)
                : route.Api == LotJournalApi && state.BcLotJournalEnabled
                    ? await LotJournalAsync(route, state)
                    : throw BcErrors.NoResource(context.Request);
        }
        catch (BcApiException error)
        {
            return BcErrors.Result(error);
        }
    }

    private static async Task<IResult> V2Async(BcRoute route, SandboxState state)
    {
        var segments = route.Segments;
        var request = route.Request;
        switch (segments[0].Name)
        {
            case "companies" when segments.Count == 1:
                Allow(request, "companies", segments[0].Key is null, HttpMethods.Get);
                if (segments[0].Key is null)
                {
                    return Collection(route, state, "companies", BcSchema.Company, state.BcCompanies, c => c.Name, BcQuery<BcCompany>.Parse(request, BcSchema.Company));
                }

                return Entity(route, "companies/$entity", BcSchema.Company, Company(route, state), BcQuery<BcCompany>.Parse(request, BcSchema.Company));
            case "companies":
                Company(route, state);
                return await CompanyScopedAsync(route, state);
            case "subscriptions" when segments.Count == 1:
                return await SubscriptionsAsync(route, state);
            default:
                throw BcErrors.NoResource(request);
        }
    }

    private static async Task<IResult> CompanyScopedAsync(BcRoute route, SandboxState state)
    {
        var segments = route.Segments;
        var request = route.Request;
        var set = segments[1];
        var scope = $"companies({BcFormat.Guid(state.BcCompanyId)})/";
        switch (set.Name)
        {
            case "items" when segments.Count == 2:
                return await ItemsAsync(route, state, scope, set.Key is null ? null : GuidKey(set.Key));
            case "customers" when segments.Count == 2:
                return await CustomersAsync(route, state, scope, set.Key is null ? null : GuidKey(set.Key));
            case "salesOrders":
                return await SalesOrdersAsync(route, state, scope);
            case "salesOrderLines" when segments.Count == 2 && set.Key is null:
                return OrphanSalesOrderLines(route, state, scope);
            case "salesShipments":
                return Shipments(route, state, scope);
            case "salesInvoices" when segments.Count == 2:
                Allow(request, "salesInvoices", set.Key is null, HttpMethods.Get);
                var invoices = BcQuery<BcInvoice>.Parse(request, BcSchema.Invoice);
                return set.Key is null
                    ? Collection(route, state, scope + "salesInvoices", BcSchema.Invoice, state.BcInvoices, i => i.Number, invoices)
                    : Entity(route, scope + "salesInvoices/$entity", BcSchema.Invoice,
                        state.BcInvoices.FirstOrDefault(i => i.Id == GuidKey(set.Key)) ?? throw BcErrors.DoesNotExist("Sales Invoice Header", $"Id='{set.Key}'"),
                        invoices);
            case "itemLedgerEntries" when segments.Count == 2 && set.Key is null:
                Allow(request, "itemLedgerEntries", true, HttpMethods.Get);
                return Collection(route, state, scope + "itemLedgerEntries", BcSchema.LedgerEntry, state.BcItemLedgerEntries,
                    e => e.EntryNumber.ToString("D10", CultureInfo.InvariantCulture), BcQuery<BcItemLedgerEntry>.Parse(request, BcSchema.LedgerEntry));
            default:
                throw BcErrors.NoResource(request);
        }
    }

    // ---- items and customers ---------------------------------------------------------------------------------

    private static async Task<IResult> ItemsAsync(BcRoute route, SandboxState state, string scope, Guid? id)
    {
        var request = route.Request;
        if (id is not { } key)
        {
            Allow(request, "items", true, HttpMethods.Get, HttpMethods.Post);
            if (HttpMethods.IsGet(request.Method))
            {
                return Collection(route, state, scope + "items", BcSchema.Item, state.BcItems, i => i.Number, BcQuery<BcItem>.Parse(request, BcSchema.Item));
            }

            var body = await BcBody.ReadAsync(request);
            if (body.ContainsKey("inventory"))
            {
                throw BcErrors.Dialog("Inventory cannot be changed during on insert.");
            }

            var created = state.CreateBcItem(BcSchema.Item.Read(body), null);
            return Created(route, scope + "items", BcSchema.Item, created, created.Id);
        }

        Allow(request, "items", false, HttpMethods.Get, HttpMethods.Patch, HttpMethods.Delete);
        if (HttpMethods.IsGet(request.Method))
        {
            return Entity(route, scope + "items/$entity", BcSchema.Item,
                state.FindBcItem(key) ?? throw BcErrors.DoesNotExist("Item", $"Id='{BcFormat.Guid(key)}'"), BcQuery<BcItem>.Parse(request, BcSchema.Item));
        }

        if (HttpMethods.IsDelete(request.Method))
        {
            state.DeleteBcItem(key, IfMatch(request));
            return Results.NoContent();
        }

        var patch = BcSchema.Item.Read(await BcBody.ReadAsync(request), key);
        return Entity(route, scope + "items/$entity", BcSchema.Item, state.UpdateBcItem(key, IfMatch(request), patch), null);
    }

    private static async Task<IResult> CustomersAsync(BcRoute route, SandboxState state, string scope, Guid? id)
    {
        var request = route.Request;
        if (id is not { } key)
        {
            Allow(request, "customers", true, HttpMethods.Get, HttpMethods.Post);
            if (HttpMethods.IsGet(request.Method))
            {
                return Collection(route, state, scope + "customers", BcSchema.Customer, state.BcCustomers, c => c.Number,
                    BcQuery<BcCustomer>.Parse(request, BcSchema.Customer));
            }

            var created = state.CreateBcCustomer(BcSchema.Customer.Read(await BcBody.ReadAsync(request)), null);
            return Created(route, scope + "customers", BcSchema.Customer, created, created.Id);
        }

        Allow(request, "customers", false, HttpMethods.Get, HttpMethods.Patch, HttpMethods.Delete);
        if (HttpMethods.IsGet(request.Method))
        {
            return Entity(route, scope + "customers/$entity", BcSchema.Customer,
                state.FindBcCustomer(key) ?? throw BcErrors.DoesNotExist("Customer", $"Id='{BcFormat.Guid(key)}'"),
                BcQuery<BcCustomer>.Parse(request, BcSchema.Customer));
        }

        if (HttpMethods.IsDelete(request.Method))
        {
            state.DeleteBcCustomer(key, IfMatch(request));
            return Results.NoContent();
        }

        var patch = BcSchema.Customer.Read(await BcBody.ReadAsync(request), key);
        return Entity(route, scope + "customers/$entity", BcSchema.Customer, state.UpdateBcCustomer(key, IfMatch(request), patch), null);
    }

    // ---- sales orders ----------------------------------------------------------------------------------------

    private static async Task<IResult> SalesOrdersAsync(BcRoute route, SandboxState state, string scope)
    {
        var request = route.Request;
        var segments = route.Segments;
        var set = segments[1];
        if (set.Key is null)
        {
            if (segments.Count != 2)
            {
                throw BcErrors.NoResource(request);
            }

            Allow(request, "salesOrders", true, HttpMethods.Get, HttpMethods.Post);
            if (HttpMethods.IsGet(request.Method))
            {
                var query = BcQuery<BcSalesOrder>.Parse(request, BcSchema.SalesOrder, "salesOrderLines");
                return Collection(route, state, scope + "salesOrders", BcSchema.SalesOrder, state.BcSalesOrders, o => o.Number, query,
                    o => WriteOrder(o, query.Select, query.Expand.Contains("salesOrderLines")));
            }

            var body = await BcBody.ReadAsync(request);
            var values = BcSchema.SalesOrder.Read(body, null, "salesOrderLines");
            var lines = new List<Dictionary<string, object?>>();
            if (body["salesOrderLines"] is { } deep)
            {
                if (deep is not JsonArray array)
                {
                    throw BcErrors.InvalidBody("salesOrderLines must be an array.");
                }

                foreach (var line in array)
                {
                    lines.Add(BcSchema.SalesOrderLine.Read(line as JsonObject ?? throw BcErrors.InvalidBody("each of salesOrderLines must be an object.")));
                }
            }

            var created = state.CreateBcSalesOrder(values, lines);
            return Created(route, scope + "salesOrders", BcSchema.SalesOrder, created, created.Id, WriteOrder(created, null, lines.Count > 0));
        }

        var id = GuidKey(set.Key);
        if (segments.Count == 2)
        {
            Allow(request, "salesOrders", false, HttpMethods.Get, HttpMethods.Patch, HttpMethods.Delete);
            if (HttpMethods.IsGet(request.Method))
            {
                var query = BcQuery<BcSalesOrder>.Parse(request, BcSchema.SalesOrder, "salesOrderLines");
                var order = state.FindBcSalesOrder(id) ?? throw BcErrors.DoesNotExist("Sales Header", $"Id='{BcFormat.Guid(id)}'");
                return Entity(route, scope + "salesOrders/$entity", BcSchema.SalesOrder, order, query,
                    WriteOrder(order, query.Select, query.Expand.Contains("salesOrderLines")));
            }

            if (HttpMethods.IsDelete(request.Method))
            {
                state.DeleteBcSalesOrder(id, IfMatch(request));
                return Results.NoContent();
            }

            var body = await BcBody.ReadAsync(request);
            if (body.ContainsKey("salesOrderLines"))
            {
                throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.MethodNotAllowed,
                    "'PATCH' requests for 'salesOrderLines' of EdmType 'Collection' are not allowed within Dynamics 365 Business Central OData web services.");
            }

            var updated = state.UpdateBcSalesOrder(id, IfMatch(request), BcSchema.SalesOrder.Read(body, id));
            return Entity(route, scope + "salesOrders/$entity", BcSchema.SalesOrder, updated, null, WriteOrder(updated, null, false));
        }

        var sub = segments[2];
        if (segments.Count == 3 && sub.Name == "Microsoft.NAV.shipAndInvoice" && sub.Key is null)
        {
            Allow(request, "Microsoft.NAV.shipAndInvoice", false, HttpMethods.Post);
            state.ShipAndInvoiceBcSalesOrder(id);
            return Results.NoContent();
        }

        if (segments.Count != 3 || sub.Name != "salesOrderLines")
        {
            throw BcErrors.NoResource(request);
        }

        var linesScope = $"{scope}salesOrders({BcFormat.Guid(id)})/salesOrderLines";
        if (sub.Key is null)
        {
            Allow(request, "salesOrderLines", true, HttpMethods.Get, HttpMethods.Post);
            if (HttpMethods.IsGet(request.Method))
            {
                var order = state.FindBcSalesOrder(id) ?? throw BcErrors.DoesNotExist("Sales Header", $"Id='{BcFormat.Guid(id)}'");
                return Collection(route, state, linesScope, BcSchema.SalesOrderLine, order.Lines, LineKey,
                    BcQuery<BcSalesOrderLine>.Parse(request, BcSchema.SalesOrderLine));
            }

            var line = state.CreateBcSalesOrderLine(id, BcSchema.SalesOrderLine.Read(await BcBody.ReadAsync(request)));
            return Created(route, linesScope, BcSchema.SalesOrderLine, line, line.Id);
        }

        var lineId = GuidKey(sub.Key);
        Allow(request, "salesOrderLines", false, HttpMethods.Get, HttpMethods.Patch, HttpMethods.Delete);
        if (HttpMethods.IsGet(request.Method))
        {
            var order = state.FindBcSalesOrder(id) ?? throw BcErrors.DoesNotExist("Sales Header", $"Id='{BcFormat.Guid(id)}'");
            return Entity(route, linesScope + "/$entity", BcSchema.SalesOrderLine,
                order.Lines.FirstOrDefault(l => l.Id == lineId) ?? throw BcErrors.DoesNotExist("Sales Line", $"Id='{BcFormat.Guid(lineId)}'"),
                BcQuery<BcSalesOrderLine>.Parse(request, BcSchema.SalesOrderLine));
        }

        if (HttpMethods.IsDelete(request.Method))
        {
            state.DeleteBcSalesOrderLine(id, lineId, IfMatch(request));
            return Results.NoContent();
        }

        var patch = BcSchema.SalesOrderLine.Read(await BcBody.ReadAsync(request), lineId);
        return Entity(route, linesScope + "/$entity", BcSchema.SalesOrderLine, state.UpdateBcSalesOrderLine(id, lineId, IfMatch(request), patch), null);
    }

    /// <summary><c>GET salesOrderLines</c> outside an order: only with a <c>documentId</c> filter (connectors.md 1.8).</summary>
    private static IResult OrphanSalesOrderLines(BcRoute route, SandboxState state, string scope)
    {
        var request = route.Request;
        Allow(request, "salesOrderLines", true, HttpMethods.Get);
        if (!DocumentIdFilter().IsMatch(request.Query["$filter"].ToString()))
        {
            throw BcErrors.Dialog("You must specify a document id to get the lines.");
        }

        return Collection(route, state, scope + "salesOrderLines", BcSchema.SalesOrderLine, state.BcSalesOrders.SelectMany(o => o.Lines),
            l => BcFormat.Guid(l.DocumentId) + LineKey(l), BcQuery<BcSalesOrderLine>.Parse(request, BcSchema.SalesOrderLine));
    }

    private static IResult Shipments(BcRoute route, SandboxState state, string scope)
    {
        var request = route.Request;
        var segments = route.Segments;
        var set = segments[1];
        Allow(request, "salesShipments", set.Key is null, HttpMethods.Get);
        if (set.Key is null)
        {
            if (segments.Count != 2)
            {
                throw BcErrors.NoResource(request);
            }

            var query = BcQuery<BcShipment>.Parse(request, BcSchema.Shipment, "salesShipmentLines");
            return Collection(route, state, scope + "salesShipments", BcSchema.Shipment, state.BcShipments, s => s.Number, query,
                s => WriteShipment(s, query.Select, query.Expand.Contains("salesShipmentLines")));
        }

        var id = GuidKey(set.Key);
        var shipment = state.BcShipments.FirstOrDefault(s => s.Id == id) ?? throw BcErrors.DoesNotExist("Sales Shipment Header", $"Id='{BcFormat.Guid(id)}'");
        if (segments.Count == 2)
        {
            var query = BcQuery<BcShipment>.Parse(request, BcSchema.Shipment, "salesShipmentLines");
            return Entity(route, scope + "salesShipments/$entity", BcSchema.Shipment, shipment, query,
                WriteShipment(shipment, query.Select, query.Expand.Contains("salesShipmentLines")));
        }

        if (segments.Count == 3 && segments[2] is { Name: "salesShipmentLines", Key: null })
        {
            return Collection(route, state, $"{scope}salesShipments({BcFormat.Guid(id)})/salesShipmentLines", BcSchema.ShipmentLine, shipment.Lines,
                l => l.Sequence.ToString("D10", CultureInfo.InvariantCulture), BcQuery<BcShipmentLine>.Parse(request, BcSchema.ShipmentLine));
        }

        throw BcErrors.NoResource(request);
    }

    private static JsonObject WriteOrder(BcSalesOrder order, IReadOnlySet<string>? select, bool lines)
    {
        var json = BcSchema.SalesOrder.Write(order, select);
        if (lines)
        {
            json["salesOrderLines"] = new JsonArray([.. order.Lines.OrderBy(l => l.Sequence).Select(l => (JsonNode)BcSchema.SalesOrderLine.Write(l))]);
        }

        return json;
    }

    private static JsonObject WriteShipment(BcShipment shipment, IReadOnlySet<string>? select, bool lines)
    {
        var json = BcSchema.Shipment.Write(shipment, select);
        if (lines)
        {
            json["salesShipmentLines"] = new JsonArray([.. shipment.Lines.OrderBy(l => l.Sequence).Select(l => (JsonNode)BcSchema.ShipmentLine.Write(l))]);
        }

        return json;
    }

    private static string LineKey(BcSalesOrderLine line) => line.Sequence.ToString("D10", CultureInfo.InvariantCulture);

    // ---- subscriptions ---------------------------------------------------------------------------------------

    private static async Task<IResult> SubscriptionsAsync(BcRoute route, SandboxState state)
    {
        var request = route.Request;
        var key = route.Segments[0].Key;
        var caller = request.HttpContext.Features.Get<BcCaller>() ?? throw new InvalidOperationException("No caller: the BC gate did not run.");
        if (key is null)
        {
            Allow(request, "subscriptions", true, HttpMethods.Get, HttpMethods.Post);
            if (HttpMethods.IsGet(request.Method))
            {
                return Collection(route, state, "subscriptions", BcSchema.Subscription, state.BcSubscriptions, s => s.SubscriptionId,
                    BcQuery<BcSubscription>.Parse(request, BcSchema.Subscription));
            }

            var values = BcSchema.Subscription.Read(await BcBody.ReadAsync(request));
            var url = NotificationUrl(values.GetValueOrDefault("notificationUrl") as string);
            var resource = values.GetValueOrDefault("resource") as string ?? throw BcErrors.Dialog("The resource must be specified.");
            var entitySet = WebhookEntitySet(resource, state);
            await HandshakeAsync(url, state, request.HttpContext.RequestAborted);
            var created = state.CreateBcSubscription(url, resource.Trim(), entitySet, values.GetValueOrDefault("clientState") as string ?? string.Empty, caller.UserId);
            return Created(route, "subscriptions", BcSchema.Subscription, created, null, null, $"('{created.SubscriptionId}')");
        }

        var id = StringKey(key);
        Allow(request, "subscriptions", false, HttpMethods.Get, HttpMethods.Patch, HttpMethods.Delete);
        var current = state.FindBcSubscription(id) ?? throw BcErrors.DoesNotExist("API Webhook Subscription", $"Subscription Id='{id}'");
        if (HttpMethods.IsGet(request.Method))
        {
            return Entity(route, "subscriptions/$entity", BcSchema.Subscription, current, BcQuery<BcSubscription>.Parse(request, BcSchema.Subscription));
        }

        if (HttpMethods.IsDelete(request.Method))
        {
            state.DeleteBcSubscription(id, IfMatch(request));
            return Results.NoContent();
        }

        // A renewal: If-Match first, then the handshake (to the new URL when it changes), then three more days.
        var patch = BcSchema.Subscription.Read(await BcBody.ReadAsync(request));
        SandboxState.CheckBcIfMatch(IfMatch(request), current.ETag, required: true);
        var target = patch.TryGetValue("notificationUrl", out var given) ? NotificationUrl(given as string) : current.NotificationUrl;
        var set = patch.TryGetValue("resource", out var newResource) ? WebhookEntitySet((string)newResource!, state) : null;
        await HandshakeAsync(target, state, request.HttpContext.RequestAborted);
        var renewed = state.RenewBcSubscription(id, IfMatch(request), patch, set);
        return Entity(route, "subscriptions/$entity", BcSchema.Subscription, renewed, null);
    }

    private static Uri NotificationUrl(string? text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw BcErrors.Dialog($"The notificationUrl '{text}' is not a valid absolute http(s) URL.");
        }

        return BcNotifier.IsAllowed(url)
            ? url
            : throw BcErrors.Dialog($"The sandbox only calls notification URLs on 127.0.0.1, ::1 or localhost, not '{url.Host}'.");
    }

    /// <summary>
    /// The entity set a subscription's resource names: <c>/api/v2.0/companies({id})/{set}</c> (also without the leading
    /// slash, without <c>api/v2.0/</c>, or absolute), where the set is webhook-enabled and the company exists.
    /// </summary>
    private static string WebhookEntitySet(string resource, SandboxState state)
    {
        var text = resource.Trim();
        if (Uri.TryCreate(text, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.Ordinal))
        {
            text = absolute.AbsolutePath;
        }

        var match = WebhookResource().Match(text);
        if (!match.Success)
        {
            throw BcErrors.Dialog($"The resource '{resource}' is not a valid webhook resource: expected /api/v2.0/companies({{id}})/{{entitySet}}.");
        }

        var set = match.Groups["set"].Value;
        if (!WebhookResources.Contains(set, StringComparer.Ordinal))
        {
            throw BcErrors.Dialog($"The resource '{resource}' does not support webhooks.");
        }

        if (!Guid.TryParse(match.Groups["company"].Value, out var company) || company != state.BcCompanyId)
        {
            throw BcErrors.Dialog($"The company of the resource '{resource}' cannot be found.");
        }

        return set;
    }

    private static async Task HandshakeAsync(Uri url, SandboxState state, CancellationToken ct)
    {
        var handshake = await BcNotifier.HandshakeAsync(url, state.BcHandshakeTimeout, state.TimeProvider, ct);
        state.RecordBcHandshake(handshake);
        if (!handshake.Succeeded)
        {
            var answer = handshake.StatusCode is { } status ? $"answered {status.ToString(CultureInfo.InvariantCulture)}" : "did not answer in time";
            throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.BadRequest,
                $"The handshake with the notification URL failed: it {answer}, not 200 with the validation token as its body. The subscription was not saved.");
        }
    }

    // ---- lot journal extension -------------------------------------------------------------------------------

    private static async Task<IResult> LotJournalAsync(BcRoute route, SandboxState state)
    {
        var request = route.Request;
        var segments = route.Segments;
        if (segments[0].Name != "companies" || segments[0].Key is null || segments.Count < 2 || segments[1].Name != "itemJournalLines")
        {
            throw BcErrors.NoResource(request);
        }

        Company(route, state);
        var scope = $"companies({BcFormat.Guid(state.BcCompanyId)})/itemJournalLines";
        var set = segments[1];
        if (set.Key is null)
        {
            if (segments.Count != 2)
            {
                throw BcErrors.NoResource(request);
            }

            Allow(request, "itemJournalLines", true, HttpMethods.Get, HttpMethods.Post);
            if (HttpMethods.IsGet(request.Method))
            {
                return Collection(route, state, scope, BcSchema.LotJournalLine, state.BcLotJournalLines, l => l.DocumentNumber + "|" + BcFormat.Guid(l.Id),
                    BcQuery<BcLotJournalLine>.Parse(request, BcSchema.LotJournalLine));
            }

            var created = state.CreateBcLotLine(BcSchema.LotJournalLine.Read(await BcBody.ReadAsync(request)));
            return Created(route, scope, BcSchema.LotJournalLine, created, created.Id);
        }

        var id = GuidKey(set.Key);
        if (segments.Count == 3 && segments[2] is { Name: "Microsoft.NAV.post", Key: null })
        {
            Allow(request, "Microsoft.NAV.post", false, HttpMethods.Post);
            state.PostBcLotLine(id);
            return Results.NoContent();
        }

        if (segments.Count != 2)
        {
            throw BcErrors.NoResource(request);
        }

        Allow(request, "itemJournalLines", false, HttpMethods.Get);
        return Entity(route, scope + "/$entity", BcSchema.LotJournalLine,
            state.FindBcLotLine(id) ?? throw BcErrors.DoesNotExist("Item Journal Line", $"Id='{BcFormat.Guid(id)}'"),
            BcQuery<BcLotJournalLine>.Parse(request, BcSchema.LotJournalLine));
    }

    // ---- shared ----------------------------------------------------------------------------------------------

    private static BcCompany Company(BcRoute route, SandboxState state)
    {
        var id = GuidKey(route.Segments[0].Key!);
        return state.BcCompanies.FirstOrDefault(c => c.Id == id) ?? throw BcErrors.DoesNotExist("Company", $"Id='{BcFormat.Guid(id)}'");
    }

    /// <summary>Answers 405 (BC's <c>BadRequest_MethodNotAllowed</c>) to a method the resource does not take.</summary>
    private static void Allow(HttpRequest request, string resource, bool collection, params string[] methods)
    {
        if (!methods.Any(m => string.Equals(m, request.Method, StringComparison.OrdinalIgnoreCase)))
        {
            throw new BcApiException(StatusCodes.Status405MethodNotAllowed, BcErrors.MethodNotAllowed,
                $"'{request.Method}' requests for '{resource}' of EdmType '{(collection ? "Collection" : "Entity")}' are not allowed within Dynamics 365 Business Central OData web services.");
        }
    }

    private static string? IfMatch(HttpRequest request) => request.Headers.IfMatch.Count == 0 ? null : request.Headers.IfMatch.ToString();

    /// <summary>A GUID key, written unquoted as OData v4 does: <c>items(5d115c9c-...)</c>.</summary>
    private static Guid GuidKey(string key)
        => Guid.TryParseExact(key, "D", out var id)
            ? id
            : throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.NotFound, $"Bad Request - Error in query syntax. The key '{key}' is not a valid Edm.Guid.");

    /// <summary>A string key, written in single quotes: <c>subscriptions('c670ea73...')</c>.</summary>
    private static string StringKey(string key)
        => key.Length >= 2 && key[0] == '\'' && key[^1] == '\''
            ? key[1..^1].Replace("''", "'", StringComparison.Ordinal)
            : throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.NotFound,
                $"Bad Request - Error in query syntax. The key '{key}' of subscriptions is an Edm.String: write it in single quotes.");

    private static IResult Collection<T>(BcRoute route, SandboxState state, string contextPath, BcEntityType<T> type, IEnumerable<T> rows,
        Func<T, string> key, BcQuery<T> query, Func<T, JsonObject>? write = null)
    {
        var requested = PreferredPageSize(route.Request);
        var page = query.Page(rows, key, Math.Min(state.BcMaxPageSize, requested ?? int.MaxValue));
        var value = new JsonArray();
        foreach (var row in page.Rows)
        {
            value.Add(write is null ? type.Write(row, query.Select) : write(row));
        }

        var json = new JsonObject { ["@odata.context"] = route.Context(contextPath), ["value"] = value };
        if (page.NextSkipToken is { } token)
        {
            json["@odata.nextLink"] = NextLink(route.Request, token, page.RemainingTop);
        }

        if (requested is { } size)
        {
            route.Request.HttpContext.Response.Headers["Preference-Applied"] = "odata.maxpagesize=" + size.ToString(CultureInfo.InvariantCulture);
        }

        return Json(json, StatusCodes.Status200OK);
    }

    private static IResult Entity<T>(BcRoute route, string contextPath, BcEntityType<T> type, T entity, BcQuery<T>? query, JsonObject? written = null)
        => Json(EntityJson(route, contextPath, type, entity, query?.Select, written), StatusCodes.Status200OK);

    /// <summary>201 with the entity, its <c>ETag</c> and its <c>Location</c>.</summary>
    private static IResult Created<T>(BcRoute route, string setPath, BcEntityType<T> type, T entity, Guid? id, JsonObject? written = null, string? keyText = null)
    {
        var json = EntityJson(route, setPath + "/$entity", type, entity, null, written);
        route.Request.HttpContext.Response.Headers.Location = route.ApiBase + setPath + (keyText ?? "(" + BcFormat.Guid(id!.Value) + ")");
        return Json(json, StatusCodes.Status201Created);
    }

    private static JsonObject EntityJson<T>(BcRoute route, string contextPath, BcEntityType<T> type, T entity, IReadOnlySet<string>? select, JsonObject? written)
    {
        var json = new JsonObject { ["@odata.context"] = route.Context(contextPath) };
        foreach (var (name, node) in written ?? type.Write(entity, select))
        {
            json[name] = node?.DeepClone();
        }

        route.Request.HttpContext.Response.Headers.ETag = type.ETagOf(entity);
        return json;
    }

    private static IResult Json(JsonObject json, int status)
        => Results.Text(BcFormat.Json(json), ODataContentType, Encoding.UTF8, status);

    private static string NextLink(HttpRequest request, string token, int? remainingTop)
    {
        var parts = new List<string>();
        foreach (var (name, values) in request.Query)
        {
            if (name is "$skiptoken" or "$top" or "$skip")
            {
                continue;
            }

            foreach (var value in values)
            {
                parts.Add(name + "=" + Uri.EscapeDataString(value ?? string.Empty));
            }
        }

        if (remainingTop is { } top)
        {
            parts.Add("$top=" + top.ToString(CultureInfo.InvariantCulture));
        }

        parts.Add("$skiptoken=" + token);
        return $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}?{string.Join('&', parts)}";
    }

    /// <summary>The page size a client asks for with <c>Prefer: odata.maxpagesize=N</c>.</summary>
    private static int? PreferredPageSize(HttpRequest request)
    {
        foreach (var header in request.Headers["Prefer"])
        {
            foreach (var preference in (header ?? string.Empty).Split(',', StringSplitOptions.TrimEntries))
            {
                var parts = preference.Split('=', 2, StringSplitOptions.TrimEntries);
                if (parts.Length == 2 && parts[0] is "odata.maxpagesize" or "maxpagesize"
                    && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0)
                {
                    return size;
                }
            }
        }

        return null;
    }

    [GeneratedRegex(@"^(?:(?:.*/)?api/v2\.0/|/?v2\.0/|/)?companies\((?<company>[^)]+)\)/(?<set>[A-Za-z]+)$")]
    private static partial Regex WebhookResource();

    [GeneratedRegex(@"\b(documentId|id)\s+eq\s+[0-9a-fA-F-]{36}")]
    private static partial Regex DocumentIdFilter();
}

/// <summary>A parsed BC request path: tenant, environment, API (<c>v2.0</c> or <c>publisher/group/version</c>) and resource segments.</summary>
internal sealed partial record BcRoute(HttpRequest Request, string Tenant, string Environment, string Api, IReadOnlyList<BcSegment> Segments)
{
    /// <summary>The API's absolute base, e.g. <c>http://127.0.0.1:5000/bc/v2.0/sandbox-tenant/production/api/v2.0/</c>.</summary>
    public string ApiBase => $"{Request.Scheme}://{Request.Host}{Request.PathBase}{BcApi.Root}/v2.0/{Tenant}/{Environment}/api/{Api}/";

    /// <summary>The <c>@odata.context</c> of a resource.</summary>
    public string Context(string path) => ApiBase + "$metadata#" + path;

    /// <summary>Parses <c>/bc/v2.0/{tenant}/{environment}/api/(v2.0|{publisher}/{group}/{version})/{resource...}</c>.</summary>
    /// <exception cref="BcApiException">404 when the path, tenant or environment is not this sandbox's.</exception>
    public static BcRoute Parse(HttpRequest request, SandboxOptions options)
    {
        var path = request.Path.Value ?? string.Empty;
        var parts = path[BcApi.Root.Length..].Trim('/').Split('/');
        if (parts.Length < 5 || parts[0] != "v2.0" || parts[3] != "api"
            || !string.Equals(parts[1], options.BusinessCentralTenant, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(parts[2], options.BusinessCentralEnvironment, StringComparison.OrdinalIgnoreCase))
        {
            throw BcErrors.NoResource(request);
        }

        var (api, first) = parts[4] == "v2.0" ? ("v2.0", 5) : parts.Length >= 8 ? (string.Join('/', parts[4..7]), 7) : (string.Empty, parts.Length);
        if (first >= parts.Length)
        {
            throw BcErrors.NoResource(request);
        }

        var segments = new List<BcSegment>();
        foreach (var part in parts[first..])
        {
            var match = SegmentRegex().Match(part);
            if (!match.Success)
            {
                throw BcErrors.NoResource(request);
            }

            segments.Add(new BcSegment(match.Groups["name"].Value, match.Groups["key"].Success ? match.Groups["key"].Value : null));
        }

        return new BcRoute(request, parts[1], parts[2], api, segments);
    }

    [GeneratedRegex(@"^(?<name>[A-Za-z][A-Za-z0-9.]*)(?:\((?<key>[^()]*)\))?$")]
    private static partial Regex SegmentRegex();
}

/// <summary>One resource segment: <c>items</c>, <c>items(5d11...)</c>, <c>subscriptions('abc')</c>, <c>Microsoft.NAV.post</c>.</summary>
internal sealed record BcSegment(string Name, string? Key);
