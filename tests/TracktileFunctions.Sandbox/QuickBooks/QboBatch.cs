using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TracktileFunctions.Sandbox.QuickBooks;

/// <summary>
/// <c>POST /v3/company/{realmId}/batch</c> (Intuit's batch reference:
/// https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/batch): a JSON
/// <c>{"BatchItemRequest":[{"bId", "operation": "create"|"update"|"delete", "optionsData"?: "void", "Item": {...}} |
/// {"bId", "Query": "select ..."}, ...]}</c> of at most 30 payloads. Each item runs as the equivalent standalone
/// operation (<see cref="QboCompany.Save"/>, <see cref="QboCompany.Void"/>, <see cref="QboCompany.Delete"/>,
/// <see cref="QboQuery.Run"/>) with the same faults, serially in request order and independently (no transaction: a
/// failed item undoes nothing, each write sends its webhook). The answer is HTTP 200
/// <c>{"BatchItemResponse":[{"bId","Item":{...}} | {"bId","QueryResponse":{...}} | {"bId","Fault":{"Error":[...],"type"}}],"time"}</c>
/// in request order, even when items fail. Limits, auth and <c>requestid</c> replay are <see cref="QboApi"/>'s.
/// </summary>
internal static class QboBatch
{
    public const string PathSegment = "batch";

    private static readonly string[] Controls = ["bId", "operation", "optionsData"];

    /// <summary>Whether <paramref name="path"/> (after <c>company/{realmId}/</c>) is the batch endpoint.</summary>
    public static bool Is(string path) => string.Equals(path.Trim('/'), PathSegment, StringComparison.OrdinalIgnoreCase);

    /// <summary>Runs the batch in <paramref name="body"/>: the answer, or a fault for the whole request (nothing run).</summary>
    public static JsonObject Run(SandboxState state, JsonObject body, string? requestId)
    {
        if (body["BatchItemRequest"] is not JsonArray items || items.Count == 0)
        {
            throw QboFaultException.Required("BatchItemRequest");
        }

        if (items.Count > SandboxState.QuickBooksMaxBatchItems)
        {
            // Intuit documents the limit (30) but not the answer past it: a whole-request ValidationFault, nothing run.
            throw QboFaultException.Invalid(
                $"sandbox: a batch holds at most {SandboxState.QuickBooksMaxBatchItems.ToString(CultureInfo.InvariantCulture)} BatchItemRequest payloads; "
                + $"got {items.Count.ToString(CultureInfo.InvariantCulture)}, none run (Intuit documents the limit, not its answer).",
                "BatchItemRequest");
        }

        var parsed = new List<(JsonObject Item, string BatchId)>(items.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in items)
        {
            if (node is not JsonObject item)
            {
                throw QboFaultException.Invalid("sandbox: every BatchItemRequest must be a JSON object.", "BatchItemRequest");
            }

            var batchId = Scalar(item["bId"]);
            if (string.IsNullOrEmpty(batchId))
            {
                throw QboFaultException.Required("bId");
            }

            if (!seen.Add(batchId))
            {
                throw QboFaultException.Invalid(
                    $"sandbox: bId {batchId} is used by more than one BatchItemRequest; it must be unique in the batch (Intuit's answer to a repeat is undocumented).",
                    "bId");
            }

            parsed.Add((item, batchId));
        }

        var responses = new JsonArray();
        foreach (var (item, batchId) in parsed)
        {
            responses.Add(RunItem(state, item, batchId, requestId));
        }

        return new JsonObject { ["BatchItemResponse"] = responses, ["time"] = QboWire.ResponseTime(state.TimeProvider.GetUtcNow()) };
    }

    private static JsonObject RunItem(SandboxState state, JsonObject item, string batchId, string? requestId)
    {
        var now = state.TimeProvider.GetUtcNow();
        var operation = Scalar(item["operation"]);
        var payloads = item.Where(p => !Controls.Contains(p.Key, StringComparer.Ordinal)).Select(p => p.Key).ToList();
        var name = payloads.Count == 1 ? payloads[0] : null;
        var entity = name is null ? null : QboCompany.EntityNames.FirstOrDefault(e => string.Equals(e, name, StringComparison.Ordinal));
        var recorded = name == "Query" ? "query" : operation?.ToLowerInvariant() ?? string.Empty;
        string? query = null;
        try
        {
            CheckRequestId(requestId, batchId);
            if (payloads.Count == 0)
            {
                throw QboFaultException.Required("Query or an entity payload (Item, Customer, Invoice...)");
            }

            if (payloads.Count > 1)
            {
                throw QboFaultException.Invalid($"sandbox: a BatchItemRequest carries one payload (Query or one entity); got {string.Join(", ", payloads)}.", payloads[1]);
            }

            if (name == "Query")
            {
                if (operation is not null)
                {
                    throw QboFaultException.Invalid($"sandbox: a Query item takes no operation (Intuit: do not define it); got '{operation}'.", "operation");
                }

                query = Scalar(item["Query"]);
                if (string.IsNullOrWhiteSpace(query))
                {
                    throw QboFaultException.QueryParser("Encountered \"<EOF>\" at line 1, column 0.");
                }

                var text = query;
                var result = state.ReadQuickBooks(company => QboQuery.Run(company, text));
                Record(state, now, requestId, batchId, recorded, null, null, query, null);
                return new JsonObject { ["bId"] = batchId, ["QueryResponse"] = result };
            }

            if (name is "ReportQuery" or "CDCQuery")
            {
                throw QboFaultException.Unsupported(name, $"sandbox: {name} in a batch is not implemented by the fake (Query and Customer, Item and Invoice writes are).");
            }

            if (entity is null)
            {
                throw QboFaultException.Unsupported(
                    operation ?? "create", $"sandbox: {name} is not implemented by the fake (it serves Customer, Item, Invoice and Account).");
            }

            if (item[name!] is not JsonObject payload)
            {
                throw QboFaultException.Invalid($"sandbox: the {name} payload must be a JSON object.", name);
            }

            recorded = Operation(operation, item["optionsData"]);
            var mutation = recorded switch
            {
                "create" when payload["Id"] is not null => throw QboFaultException.Invalid(
                    "sandbox: operation create with an Id (send operation update with Id and SyncToken; Intuit's answer to this is undocumented).", "Id"),
                "create" => state.MutateQuickBooks(company => company.Save(entity, payload, now)),
                "update" or "void" when payload["Id"] is null => throw QboFaultException.Required("Id"),
                "update" => state.MutateQuickBooks(company => company.Save(entity, payload, now)),
                "void" => state.MutateQuickBooks(company => company.Void(entity, payload, now)),
                "delete" => state.MutateQuickBooks(company => company.Delete(entity, payload, now)),
                _ => throw new InvalidOperationException("unreachable"),
            };
            Record(state, now, requestId, batchId, recorded, entity, mutation.Id, null, null);
            return new JsonObject { ["bId"] = batchId, [entity] = mutation.Answer };
        }
        catch (QboFaultException fault)
        {
            Record(state, now, requestId, batchId, recorded, entity, null, query, fault.Code);
            var body = fault.Body(now);
            var error = body["Fault"];
            body.Remove("Fault");
            return new JsonObject { ["bId"] = batchId, ["Fault"] = error };
        }
    }

    /// <summary>
    /// <c>create</c>, <c>update</c>, <c>delete</c>, or <c>void</c> for <c>update</c> with <c>optionsData</c> "void" (Intuit:
    /// "Must be supplied with operation set to update"). Other options are ignored, as QuickBooks ignores what it does not know.
    /// </summary>
    private static string Operation(string? operation, JsonNode? optionsData)
    {
        var options = (Scalar(optionsData) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var voiding = options.Contains("void", StringComparer.OrdinalIgnoreCase);
        switch (operation)
        {
            case null:
                throw QboFaultException.Required("operation");
            case "create" or "delete" when voiding:
                throw QboFaultException.Invalid($"sandbox: optionsData void goes with operation update (Intuit's batch reference); got {operation}.", "optionsData");
            case "create" or "delete":
                return operation;
            case "update":
                return voiding ? "void" : "update";
            case "void":
                throw QboFaultException.Unsupported("void", "sandbox: a batch voids with operation update and optionsData \"void\" (Intuit's batch reference).");
            default:
                throw QboFaultException.Enumeration(operation, "operation");
        }
    }

    /// <summary>
    /// With a <c>requestid</c>, Intuit allows 10 characters per bId. Reported of the real service (intuit/QuickBooks-V3-Java-SDK
    /// issue 180): each item whose requestid + bId exceeds 50 characters fails with 6000 "request_id field"; the fake answers
    /// that fault for any bId over 10 characters.
    /// </summary>
    private static void CheckRequestId(string? requestId, string batchId)
    {
        if (requestId is null || batchId.Length <= SandboxState.QuickBooksMaxBatchIdLengthWithRequestId)
        {
            return;
        }

        var combined = requestId + batchId;
        var detail = combined.Length > SandboxState.QuickBooksMaxRequestIdLength
            ? $"You cannot enter more than {SandboxState.QuickBooksMaxRequestIdLength.ToString(CultureInfo.InvariantCulture)} characters in the request_id field. "
              + $"You tried entering {combined[..10]}..., which is {combined.Length.ToString(CultureInfo.InvariantCulture)} characters."
            : $"sandbox: with a requestid a bId has at most {SandboxState.QuickBooksMaxBatchIdLengthWithRequestId.ToString(CultureInfo.InvariantCulture)} characters "
              + $"(Intuit); {batchId} has {batchId.Length.ToString(CultureInfo.InvariantCulture)}.";
        throw QboFaultException.Business(detail);
    }

    private static void Record(SandboxState state, DateTimeOffset now, string? requestId, string batchId, string operation, string? entity, string? id, string? query, string? faultCode)
        => state.RecordQuickBooksBatchItem(new QuickBooksBatchItem(now, requestId, batchId, operation, entity, id, query, faultCode));

    /// <summary>A string, or a number's text (a bId of 1 is taken as "1"); null otherwise.</summary>
    private static string? Scalar(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
        _ => null,
    };
}
