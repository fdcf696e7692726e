using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TracktileFunctions.Sandbox.QuickBooks;

/// <summary>
/// The Accounting API under <c>/quickbooks/v3/company/{realmId}/</c>: <c>GET {entity}/{id}</c>, <c>POST {entity}</c>
/// (create, update, <c>?operation=void|delete</c>), <c>GET|POST query</c>, <c>GET cdc</c> and <c>POST batch</c>
/// (<see cref="QboBatch"/>), for Customer, Item, Invoice and Account (read-only). In order: Bearer token for the realm
/// (401 fault code 3200, 403 3100), limits per realm (429 code 3001; a batch also the batch limits), <c>requestid</c>
/// replay (at most 50 characters, 36 on batch), then the operation. Answers are XML unless the request accepts
/// <c>application/json</c>.
/// </summary>
internal static class QboApi
{
    public static async Task HandleAsync(HttpContext context, SandboxState state, string realmId, string? rest)
    {
        var request = context.Request;
        var json = QboWire.WantsJson(request);
        var token = AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header)
                    && string.Equals(header.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase)
            ? header.Parameter
            : null;
        var (tokenRealm, refusal) = state.AuthenticateQuickBooks(token);
        if (tokenRealm is null)
        {
            var (body, contentType) = QboWire.AuthenticationFault(state.TimeProvider.GetUtcNow(), refusal, json);
            await WriteAsync(context, StatusCodes.Status401Unauthorized, contentType, body);
            return;
        }

        if (tokenRealm != realmId)
        {
            var fault = QboWire.FaultBody(state.TimeProvider.GetUtcNow(), "3100", "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403", string.Empty, null, "AUTHENTICATION");
            var (body, contentType) = QboWire.Render(fault, json);
            await WriteAsync(context, StatusCodes.Status403Forbidden, contentType, body);
            return;
        }

        var path = rest ?? string.Empty;
        var requested = request.Query.TryGetValue("minorversion", out var minor) ? minor.ToString() : null;
        var served = int.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out var asked)
            ? Math.Max(asked, SandboxState.QuickBooksMinimumMinorVersion)
            : SandboxState.QuickBooksMinimumMinorVersion;
        var requestId = HttpMethods.IsPost(request.Method) && request.Query.TryGetValue("requestid", out var id) ? id.ToString() : null;
        var batch = HttpMethods.IsPost(request.Method) && QboBatch.Is(path);
        var maxRequestIdLength = batch ? SandboxState.QuickBooksMaxBatchRequestIdLength : SandboxState.QuickBooksMaxRequestIdLength;
        void Record(int status, bool replayed) => state.RecordQuickBooksApiCall(new QuickBooksApiCall(
            state.TimeProvider.GetUtcNow(), request.Method, realmId, path, request.QueryString.Value ?? string.Empty, requested, served, requestId, status, replayed));

        if (!state.EnterQuickBooks(realmId, batch))
        {
            if (state.QuickBooksRetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }

            var (body, contentType) = QboWire.Render(QboWire.ThrottleBody(state.TimeProvider.GetUtcNow()), json && !state.QuickBooksThrottleAnswersXml);
            Record(StatusCodes.Status429TooManyRequests, false);
            await WriteAsync(context, StatusCodes.Status429TooManyRequests, contentType, body);
            return;
        }

        try
        {
            if (state.QuickBooksProcessingDelay is { } delay)
            {
                await Task.Delay(delay, context.RequestAborted);
            }

            if (requestId is null)
            {
                var (status, contentType, body) = await ExecuteAsync(context, state, path, json, null);
                Record(status, false);
                await WriteAsync(context, status, contentType, body);
                return;
            }

            if (requestId.Length > maxRequestIdLength)
            {
                var fault = QboFaultException.Invalid(
                    $"requestid is longer than {maxRequestIdLength.ToString(CultureInfo.InvariantCulture)} characters", "requestid");
                var (body, contentType) = QboWire.Render(fault.Body(state.TimeProvider.GetUtcNow()), json);
                Record(fault.Status, false);
                await WriteAsync(context, fault.Status, contentType, body);
                return;
            }

            // One request per requestid at a time, so racing repeats cannot both execute.
            var key = realmId + "\n" + requestId;
            var gate = state.QuickBooksRequestIdGate(key);
            await gate.WaitAsync(context.RequestAborted);
            try
            {
                if (state.StoredQuickBooksAnswer(key) is { } stored)
                {
                    Record(stored.StatusCode, true);
                    await WriteAsync(context, stored.StatusCode, stored.ContentType, stored.Body);
                    return;
                }

                var (status, contentType, body) = await ExecuteAsync(context, state, path, json, requestId);
                if (status is >= 200 and < 300 or StatusCodes.Status400BadRequest)
                {
                    state.StoreQuickBooksAnswer(key, new QboStoredAnswer(status, contentType, body));
                }

                Record(status, false);
                await WriteAsync(context, status, contentType, body);
            }
            finally
            {
                gate.Release();
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left: nothing to answer.
        }
        finally
        {
            state.ExitQuickBooks();
        }
    }

    private static async Task WriteAsync(HttpContext context, int status, string contentType, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static async Task<(int Status, string ContentType, byte[] Body)> ExecuteAsync(HttpContext context, SandboxState state, string path, bool json, string? requestId)
    {
        int status;
        JsonObject answer;
        try
        {
            answer = await DispatchAsync(context, state, path, requestId);
            status = StatusCodes.Status200OK;
        }
        catch (QboFaultException fault)
        {
            answer = fault.Body(state.TimeProvider.GetUtcNow());
            status = fault.Status;
        }

        var (body, contentType) = QboWire.Render(answer, json);
        return (status, contentType, body);
    }

    private static async Task<JsonObject> DispatchAsync(HttpContext context, SandboxState state, string path, string? requestId)
    {
        var request = context.Request;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var now = state.TimeProvider.GetUtcNow();
        JsonObject Answer(string key, JsonNode value) => new() { [key] = value, ["time"] = QboWire.ResponseTime(state.TimeProvider.GetUtcNow()) };

        if (segments.Length == 1 && segments[0].Equals("query", StringComparison.OrdinalIgnoreCase))
        {
            var text = HttpMethods.IsGet(request.Method) ? request.Query["query"].ToString() : await ReadTextAsync(request);
            if (string.IsNullOrWhiteSpace(text))
            {
                throw QboFaultException.QueryParser("Encountered \"<EOF>\" at line 1, column 0.");
            }

            return Answer("QueryResponse", state.ReadQuickBooks(company => QboQuery.Run(company, text)));
        }

        if (segments.Length == 1 && segments[0].Equals("cdc", StringComparison.OrdinalIgnoreCase) && HttpMethods.IsGet(request.Method))
        {
            return Answer("CDCResponse", Cdc(request, state, now));
        }

        if (segments.Length == 1 && QboBatch.Is(segments[0]) && HttpMethods.IsPost(request.Method))
        {
            return QboBatch.Run(state, await ReadEntityAsync(request), requestId);
        }

        var entity = segments.Length is 1 or 2 ? QboCompany.EntityOfPath(segments[0]) : null;
        if (entity is null)
        {
            throw QboFaultException.Unsupported(
                request.Method.ToLowerInvariant(),
                $"sandbox: {request.Method} {path} is not implemented by the fake (it serves customer, item, invoice, account, query, cdc and POST batch).");
        }

        if (HttpMethods.IsGet(request.Method))
        {
            if (segments.Length != 2)
            {
                throw QboFaultException.Unsupported("query", $"sandbox: GET {path} is not implemented by the fake; read an entity with GET {segments[0]}/{{id}} or use query.");
            }

            return Answer(entity, state.ReadQuickBooks(company => company.Read(entity, segments[1])));
        }

        if (segments.Length != 1)
        {
            throw QboFaultException.Unsupported("update", $"sandbox: POST {path} is not implemented by the fake; POST {segments[0]} with Id and SyncToken updates.");
        }

        var body = await ReadEntityAsync(request);
        var operation = request.Query["operation"].ToString().ToLowerInvariant();
        var mutation = operation switch
        {
            "" or "create" or "update" => state.MutateQuickBooks(company => company.Save(entity, body, state.TimeProvider.GetUtcNow())),
            "void" => state.MutateQuickBooks(company => company.Void(entity, body, state.TimeProvider.GetUtcNow())),
            "delete" => state.MutateQuickBooks(company => company.Delete(entity, body, state.TimeProvider.GetUtcNow())),
            _ => throw QboFaultException.Unsupported(operation),
        };
        return Answer(entity, mutation.Answer);
    }

    private static JsonArray Cdc(HttpRequest request, SandboxState state, DateTimeOffset now)
    {
        var names = request.Query["entities"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0)
        {
            throw QboFaultException.Required("entities");
        }

        var entities = new List<string>();
        foreach (var name in names)
        {
            var entity = QboCompany.EntityOfPath(name)
                         ?? throw QboFaultException.Unsupported("cdc", $"sandbox: CDC of {name} is not implemented by the fake (Customer, Item, Invoice and Account are).");
            if (!entities.Contains(entity, StringComparer.Ordinal))
            {
                entities.Add(entity);
            }
        }

        var text = request.Query["changedSince"].ToString();
        if (text.Length == 0)
        {
            throw QboFaultException.Required("changedSince");
        }

        if (!TryParseSince(text, out var since))
        {
            throw QboFaultException.Invalid($"Property Name:changedSince specified is unsupported or invalid: {text}", "changedSince");
        }

        if (now - since > QboCompany.CdcMaxAge)
        {
            throw QboFaultException.Unsupported(
                "cdc", $"Operation cdc with changedSince date {text} which is older than fixed days is not supported.");
        }

        return state.ReadQuickBooks(company => company.Cdc(entities, since));
    }

    /// <summary>An ISO date-time (with or without offset; without: the company's zone) or a plain date.</summary>
    private static bool TryParseSince(string text, out DateTimeOffset since)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            since = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), QboWire.CompanyOffset);
            return true;
        }

        var hasOffset = text.EndsWith('Z') || (text.Length > 6 && (text[^6] is '+' or '-') && text[^3] == ':') || (text.Length > 5 && (text[^5] is '+' or '-'));
        if (hasOffset && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out since))
        {
            return true;
        }

        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            since = new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), QboWire.CompanyOffset);
            return true;
        }

        since = default;
        return false;
    }

    private static async Task<string> ReadTextAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
    }

    /// <summary>The JSON body of a write or batch (QuickBooks also takes XML; the fake does not).</summary>
    private static async Task<JsonObject> ReadEntityAsync(HttpRequest request)
    {
        if (!request.HasJsonContentType())
        {
            throw new QboFaultException(
                StatusCodes.Status415UnsupportedMediaType, "2010", "Unsupported Media Type",
                $"sandbox: the body must be JSON (Content-Type: application/json); got '{request.ContentType}'.");
        }

        try
        {
            return await JsonSerializer.DeserializeAsync<JsonNode>(request.Body, cancellationToken: request.HttpContext.RequestAborted) as JsonObject
                   ?? throw QboFaultException.Invalid("Request body must be a JSON object");
        }
        catch (JsonException ex)
        {
            throw QboFaultException.Invalid("Request has invalid or unsupported property: " + ex.Message);
        }
    }
}
