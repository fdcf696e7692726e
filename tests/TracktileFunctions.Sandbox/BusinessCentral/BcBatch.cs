using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using TracktileFunctions.Sandbox.Faults;
using TracktileFunctions.Sandbox.Hosting;

namespace TracktileFunctions.Sandbox.BusinessCentral;

/// <summary>
/// BC's OData JSON batch, <c>POST {api root}/$batch</c> (webservices/use-odata-batch.md; OData JSON Format 4.01,
/// section 19). The batch is one HTTP request: authentication, the concurrency slot and injected faults by the batch's
/// own path have already run (<see cref="BcGateMiddleware"/>). Each operation is then answered by
/// <see cref="BcApi.DispatchAsync"/> as a request of its own (its URL resolved against the batch URL, its headers, its
/// body), after the <see cref="FaultRule"/>s matching its method and resolved path. Errors of an operation are its own
/// status and BC error body inside a 200 answer; errors of the envelope answer the batch.
/// </summary>
/// <remarks>
/// As BC does: stops after the first failed operation unless <c>Prefer: odata.continue-on-error</c>; with
/// <c>Isolation: snapshot</c> a failure undoes every change of the batch (the answers still show each operation's status);
/// more than <see cref="MaxOperations"/> operations answer 400 before any runs; an atomicity group of more than one
/// request answers 500, as BC refuses change sets of more than one request; without <c>Accept: application/json</c> the
/// answer is <c>multipart/mixed</c>. Only JSON batch bodies are read (<c>multipart/mixed</c> request bodies answer 400).
/// </remarks>
internal static class BcBatch
{
    /// <summary>The most operations BC takes in one <c>$batch</c> (Microsoft Learn, "Work with API limits").</summary>
    public const int MaxOperations = 100;

    private const string Segment = "/$batch";

    /// <summary>Whether the request is for <c>.../$batch</c> (whichever API root; <see cref="HandleAsync"/> checks it).</summary>
    public static bool IsBatchPath(HttpRequest request) => (request.Path.Value ?? string.Empty).EndsWith(Segment, StringComparison.Ordinal);

    public static async Task<IResult> HandleAsync(HttpContext context, SandboxState state, SandboxOptions options)
    {
        var request = context.Request;
        CheckRoot(request, state, options);
        if (!HttpMethods.IsPost(request.Method))
        {
            throw new BcApiException(StatusCodes.Status405MethodNotAllowed, BcErrors.MethodNotAllowed,
                $"'{request.Method}' requests for '$batch' are not allowed within Dynamics 365 Business Central OData web services.");
        }

        var operations = await ReadAsync(request);
        var batchUrl = new Uri($"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}");
        foreach (var operation in operations)
        {
            operation.Resolve(batchUrl);
        }

        var caller = context.Features.Get<BcCaller>() ?? throw new InvalidOperationException("No caller: the BC gate did not run.");
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var snapshot = string.Equals(request.Headers["Isolation"].ToString().Trim(), "snapshot", StringComparison.OrdinalIgnoreCase);
        var continueOnError = !snapshot && PrefersContinueOnError(request);
        var rollback = snapshot ? state.SnapshotBc() : null;
        var batch = state.NextBcBatchNumber();
        var arrived = state.TimeProvider.GetUtcNow();

        var answers = new List<Answer>();
        var times = new List<DateTimeOffset>();
        var failed = new HashSet<string>(StringComparer.Ordinal);
        FaultRule? transport = null;
        var rolledBack = false;
        try
        {
            foreach (var operation in operations)
            {
                times.Add(state.TimeProvider.GetUtcNow());
                var answer = operation.DependsOn.FirstOrDefault(failed.Contains) is { } dependency
                    ? Answer.Error(StatusCodes.Status424FailedDependency, BcErrors.Unknown, $"The request depends on '{dependency}', which failed.")
                    : await RunAsync(context, state, options, caller, operation, stopping);
                answers.Add(answer);
                if (answer.Fault is FaultKind.StalledBody or FaultKind.LostAnswer)
                {
                    transport = operation.Rule;
                }

                if (answer.Status >= 400 || answer.Fault == FaultKind.StalledBody)
                {
                    foreach (var name in new[] { operation.Id, operation.AtomicityGroup })
                    {
                        if (name is not null)
                        {
                            failed.Add(name);
                        }
                    }

                    if (rollback is not null)
                    {
                        rollback();
                        rolledBack = true;
                        break;
                    }

                    if (!continueOnError || answer.Fault == FaultKind.StalledBody)
                    {
                        break;
                    }
                }
            }
        }
        catch (Exception) when (rollback is not null && !rolledBack)
        {
            // The client left, the sandbox is stopping, or a handler broke: a transaction that did not finish commits nothing.
            rollback();
            throw;
        }

        state.RecordBcBatchOperations(operations.Select((o, i) => new BcBatchOperation(batch, i, o.Id, o.Method, o.Url, o.Path, o.Query, o.AtomicityGroup,
            o.Headers, o.BodyText, i < answers.Count ? answers[i].Status : null, i < answers.Count ? answers[i].Fault : null,
            rolledBack && i < answers.Count, i < times.Count ? times[i] : arrived)));

        if (transport is not null)
        {
            if (context.Features.Get<CallFeature>() is { } call)
            {
                call.Fault = transport.Kind;
            }

            await BreakConnectionAsync(context, transport, stopping);
            return Results.Empty;
        }

        if (continueOnError)
        {
            context.Response.Headers["Preference-Applied"] = "odata.continue-on-error";
        }

        return AcceptsJson(request) ? JsonEnvelope(answers, operations) : MultipartEnvelope(answers, operations);
    }

    // ---- the envelope ----------------------------------------------------------------------------------------

    /// <summary>404 unless the path is <c>/bc/v2.0/{tenant}/{environment}/api/(v2.0|{publisher}/{group}/{version})/$batch</c> of an API served.</summary>
    private static void CheckRoot(HttpRequest request, SandboxState state, SandboxOptions options)
    {
        var parts = (request.Path.Value ?? string.Empty)[BcApi.Root.Length..].Trim('/').Split('/');
        var served = parts.Length >= 6 && parts[0] == "v2.0" && parts[3] == "api" && parts[^1] == "$batch"
                     && string.Equals(parts[1], options.BusinessCentralTenant, StringComparison.OrdinalIgnoreCase)
                     && string.Equals(parts[2], options.BusinessCentralEnvironment, StringComparison.OrdinalIgnoreCase)
                     && ((parts.Length == 6 && parts[4] == "v2.0")
                         || (parts.Length == 8 && string.Join('/', parts[4..7]) == BcApi.LotJournalApi && state.BcLotJournalEnabled));
        if (!served)
        {
            throw BcErrors.NoResource(request);
        }
    }

    private static async Task<List<Operation>> ReadAsync(HttpRequest request)
    {
        if (!request.HasJsonContentType())
        {
            throw BcErrors.InvalidBody(request.ContentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true
                ? "the sandbox reads JSON batches only (Content-Type: application/json), not multipart/mixed ones."
                : "the Content-Type of a JSON batch must be application/json.");
        }

        JsonNode? root;
        try
        {
            root = await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        }
        catch (JsonException ex)
        {
            throw BcErrors.InvalidBody(ex.Message);
        }

        if (root is not JsonObject envelope || envelope["requests"] is not JsonArray requests)
        {
            throw BcErrors.InvalidBody("a JSON batch is an object with a \"requests\" array.");
        }

        if (requests.Count > MaxOperations)
        {
            // BC's answer as reported (demiliani.com, 2021); the status is assumed.
            throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.Unknown,
                $"The current batch message contains too many parts. A maximum number of '{MaxOperations.ToString(CultureInfo.InvariantCulture)}' "
                + $"query operations and change sets are allowed in a batch message.  CorrelationId:  {Guid.NewGuid():D}.");
        }

        var operations = new List<Operation>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var groups = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < requests.Count; i++)
        {
            var operation = ReadOperation(requests[i], i, seen);
            if (operation.Id is { } id && !seen.Add(id))
            {
                throw BcErrors.InvalidBody($"the request id '{id}' is not unique within the batch.");
            }

            if (operation.AtomicityGroup is { } group)
            {
                groups[group] = groups.GetValueOrDefault(group) + 1;
                seen.Add(group);
            }

            operations.Add(operation);
        }

        if (groups.Any(g => g.Value > 1))
        {
            // What BC answers a change set of more than one request (microsoft/AL#5553): an atomicity group is the JSON
            // batch's change set. Isolation: snapshot is BC's way to make a batch all-or-nothing.
            throw new BcApiException(StatusCodes.Status500InternalServerError, BcErrors.Unknown,
                "Multiple requests within the same change set are not supported by Microsoft Dynamics 365 Business Central OData web services.");
        }

        return operations;
    }

    private static Operation ReadOperation(JsonNode? node, int index, HashSet<string> earlier)
    {
        var where = $"requests[{index.ToString(CultureInfo.InvariantCulture)}]";
        if (node is not JsonObject json)
        {
            throw BcErrors.InvalidBody($"{where} must be an object.");
        }

        var method = Text(json, "method", where, required: true)!.ToUpperInvariant();
        var url = Text(json, "url", where, required: true)!;
        var id = Text(json, "id", where, required: false);
        var group = Text(json, "atomicityGroup", where, required: false);

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (json["headers"] is { } headerNode)
        {
            if (headerNode is not JsonObject headerObject)
            {
                throw BcErrors.InvalidBody($"{where}.headers must be an object.");
            }

            foreach (var (name, value) in headerObject)
            {
                headers[name] = value is JsonValue v && v.TryGetValue<string>(out var text)
                    ? text
                    : throw BcErrors.InvalidBody($"{where}.headers.{name} must be a string.");
            }
        }

        var dependsOn = new List<string>();
        if (json["dependsOn"] is { } dependsNode)
        {
            if (dependsNode is not JsonArray array)
            {
                throw BcErrors.InvalidBody($"{where}.dependsOn must be an array of request ids.");
            }

            foreach (var item in array)
            {
                var dependency = item is JsonValue v && v.TryGetValue<string>(out var text) ? text : throw BcErrors.InvalidBody($"{where}.dependsOn must be an array of request ids.");
                if (!earlier.Contains(dependency))
                {
                    // Microsoft.OData.Core's message (BC's OData stack).
                    throw BcErrors.InvalidBody(
                        $"The dependsOn Id: [{dependency}] in request [{id}] is not matching any of the request Id and atomic group Id seen so far. Forward reference is not allowed.");
                }

                dependsOn.Add(dependency);
            }
        }

        var hasBody = json.TryGetPropertyValue("body", out var body);
        return new Operation(id, method, url, group, headers, hasBody ? body?.DeepClone() : null, hasBody, dependsOn);
    }

    private static string? Text(JsonObject json, string name, string where, bool required)
    {
        var node = json[name];
        if (node is null)
        {
            return required ? throw BcErrors.InvalidBody($"{where} has no \"{name}\".") : null;
        }

        return node is JsonValue value && value.TryGetValue<string>(out var text) && (!required || text.Length > 0)
            ? text
            : throw BcErrors.InvalidBody($"{where}.{name} must be a non-empty string.");
    }

    /// <summary><c>Prefer: odata.continue-on-error</c> (or <c>continue-on-error</c>, <c>=true</c>); <c>=false</c> keeps the default.</summary>
    private static bool PrefersContinueOnError(HttpRequest request)
    {
        foreach (var header in request.Headers["Prefer"])
        {
            foreach (var preference in (header ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = preference.Split('=', 2, StringSplitOptions.TrimEntries);
                if (parts[0] is "odata.continue-on-error" or "continue-on-error")
                {
                    return parts.Length == 1 || !string.Equals(parts[1], "false", StringComparison.OrdinalIgnoreCase);
                }
            }
        }

        return false;
    }

    /// <summary>BC answers JSON to <c>Accept: application/json</c>, else <c>multipart/mixed</c>.</summary>
    private static bool AcceptsJson(HttpRequest request)
        => MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted)
           && accepted.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase));

    private static IResult JsonEnvelope(List<Answer> answers, List<Operation> operations)
    {
        var responses = new JsonArray();
        for (var i = 0; i < answers.Count; i++)
        {
            var answer = answers[i];
            var headers = new JsonObject();
            foreach (var (name, value) in answer.Headers)
            {
                headers[name.ToLowerInvariant()] = value;
            }

            var response = new JsonObject { ["id"] = operations[i].Id, ["status"] = answer.Status, ["headers"] = headers };
            if (answer.Body is not null)
            {
                response["body"] = answer.Body.DeepClone();
            }

            responses.Add(response);
        }

        return Results.Text(BcFormat.Json(new JsonObject { ["responses"] = responses }), BcApi.ODataContentType, Encoding.UTF8, StatusCodes.Status200OK);
    }

    /// <summary>OData 4.0's <c>multipart/mixed</c> batch answer: one <c>application/http</c> part per operation.</summary>
    private static IResult MultipartEnvelope(List<Answer> answers, List<Operation> operations)
    {
        var boundary = "batchresponse_" + Guid.NewGuid().ToString("D", CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        for (var i = 0; i < answers.Count; i++)
        {
            var answer = answers[i];
            text.Append("--").Append(boundary).Append("\r\n")
                .Append("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n");
            if (operations[i].Id is { } id)
            {
                text.Append("Content-ID: ").Append(id).Append("\r\n");
            }

            text.Append("\r\nHTTP/1.1 ").Append(answer.Status.ToString(CultureInfo.InvariantCulture)).Append(' ')
                .Append(ReasonPhrases.GetReasonPhrase(answer.Status)).Append("\r\n");
            foreach (var (name, value) in answer.Headers)
            {
                text.Append(name).Append(": ").Append(value).Append("\r\n");
            }

            text.Append("\r\n");
            if (answer.Body is not null)
            {
                text.Append(BcFormat.Json(answer.Body)).Append("\r\n");
            }
        }

        text.Append("--").Append(boundary).Append("--\r\n");
        return Results.Text(text.ToString(), "multipart/mixed; boundary=" + boundary, Encoding.UTF8, StatusCodes.Status200OK);
    }

    /// <summary>
    /// A stalled body or a lost answer of an operation is the batch's: its answer is one HTTP response. Stalled: 200,
    /// JSON headers and the first byte, then the connection drops. Lost: nothing is sent, the connection drops.
    /// </summary>
    private static async Task BreakConnectionAsync(HttpContext context, FaultRule rule, CancellationToken stopping)
    {
        if (rule.Kind == FaultKind.StalledBody)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = BcApi.ODataContentType;
            await context.Response.WriteAsync("{", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }

        using (var hold = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping))
        {
            await Task.Delay(rule.EffectiveDelay, hold.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        context.Abort();
    }

    // ---- one operation ---------------------------------------------------------------------------------------

    /// <summary>Answers one operation as a request of its own, after the fault rules matching its method and path.</summary>
    private static async Task<Answer> RunAsync(HttpContext batch, SandboxState state, SandboxOptions options, BcCaller caller, Operation operation,
        CancellationToken stopping)
    {
        var context = OperationContext(batch, caller, operation);
        if (!context.Request.Path.StartsWithSegments(BcApi.Root, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(context.Request.Host.Value, batch.Request.Host.Value, StringComparison.OrdinalIgnoreCase))
        {
            // As BC answers a URL outside the API, e.g. "/companies" (resolved against the host: microsoft/AL docs issue 811).
            return await CaptureAsync(context, BcErrors.Result(BcErrors.NoResource(context.Request)), null);
        }

        var rule = state.TakeFault(operation.Method, operation.Path);
        operation.Rule = rule;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(batch.RequestAborted, stopping);
        switch (rule?.Kind)
        {
            case null:
                return await CaptureAsync(context, await BcApi.DispatchAsync(context, state, options), null);
            case FaultKind.Latency:
                await Task.Delay(rule.EffectiveDelay, cancel.Token);
                return await CaptureAsync(context, await BcApi.DispatchAsync(context, state, options), rule.Kind);
            case FaultKind.Error:
                return await CaptureAsync(context, SandboxErrors.BusinessCentral(rule.EffectiveStatusCode, rule.ErrorCode, rule.Message), rule.Kind);
            case FaultKind.RateLimit:
                context.Response.Headers.RetryAfter = ((long)Math.Ceiling(rule.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return await CaptureAsync(context, SandboxErrors.BusinessCentral(StatusCodes.Status429TooManyRequests, "rate_limited", rule.Message), rule.Kind);
            case FaultKind.Timeout:
                await Task.Delay(rule.EffectiveDelay, cancel.Token);
                return await CaptureAsync(context, SandboxErrors.BusinessCentral(StatusCodes.Status504GatewayTimeout, "timeout", rule.Message), rule.Kind);
            case FaultKind.Malformed:
                return await CaptureAsync(context,
                    Results.Text(FaultMiddleware.MalformedBody, "application/json; charset=utf-8", Encoding.UTF8, rule.EffectiveStatusCode), rule.Kind);
            case FaultKind.StalledBody:
                return new Answer(StatusCodes.Status200OK, [], null, rule.Kind);
            case FaultKind.LostAnswer:
                return await CaptureAsync(context, await BcApi.DispatchAsync(context, state, options), rule.Kind);
            default:
                throw new InvalidOperationException($"Unknown fault kind {rule.Kind}.");
        }
    }

    /// <summary>The operation as a request: its resolved URL, its headers and its body; the batch's caller.</summary>
    private static DefaultHttpContext OperationContext(HttpContext batch, BcCaller caller, Operation operation)
    {
        var context = new DefaultHttpContext { RequestServices = batch.RequestServices, RequestAborted = batch.RequestAborted };
        context.Features.Set(caller);
        var request = context.Request;
        request.Method = operation.Method;
        request.Scheme = operation.Target.Scheme;
        request.Host = HostString.FromUriComponent(operation.Target);
        request.Path = PathString.FromUriComponent(operation.Target);
        request.QueryString = QueryString.FromUriComponent(operation.Target);

        foreach (var (name, value) in operation.Headers)
        {
            if (!string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase) && !string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers[name] = value;
            }
        }

        if (operation.HasBody)
        {
            // A JSON body needs no content-type in a JSON batch (OData JSON Format 4.01, 19.1).
            request.ContentType ??= "application/json";
            var bytes = Encoding.UTF8.GetBytes(operation.BodyText);
            request.Body = new MemoryStream(bytes);
            request.ContentLength = bytes.Length;
        }

        context.Response.Body = new MemoryStream();
        return context;
    }

    /// <summary>Runs the answer against the operation's context and reads back its status, headers and body.</summary>
    private static async Task<Answer> CaptureAsync(HttpContext context, IResult result, FaultKind? fault)
    {
        await result.ExecuteAsync(context);
        var response = context.Response;
        var text = Encoding.UTF8.GetString(((MemoryStream)response.Body).ToArray());
        JsonNode? body = null;
        if (text.Length > 0)
        {
            try
            {
                body = JsonNode.Parse(text) ?? JsonValue.Create(text);
            }
            catch (JsonException)
            {
                body = JsonValue.Create(text);
            }
        }

        var headers = response.Headers.Select(h => (h.Key, h.Value.ToString())).ToList();
        if (body is not null)
        {
            headers.Add(("OData-Version", "4.0"));
        }

        return new Answer(response.StatusCode, headers, body, fault);
    }

    /// <summary>One request of the batch, as read.</summary>
    private sealed class Operation(string? id, string method, string url, string? atomicityGroup, Dictionary<string, string> headers,
        JsonNode? body, bool hasBody, List<string> dependsOn)
    {
        public string? Id { get; } = id;

        public string Method { get; } = method;

        public string Url { get; } = url;

        public string? AtomicityGroup { get; } = atomicityGroup;

        public Dictionary<string, string> Headers { get; } = headers;

        public bool HasBody { get; } = hasBody;

        public string BodyText { get; } = hasBody ? (body is null ? "null" : BcFormat.Json(body)) : string.Empty;

        public List<string> DependsOn { get; } = dependsOn;

        /// <summary>The URL resolved against the batch URL (RFC 3986, as OData says): <c>items</c> is a sibling of <c>$batch</c>, <c>/items</c> is on the host's root.</summary>
        public Uri Target { get; private set; } = new("http://localhost/");

        public string Path => PathString.FromUriComponent(Target).Value ?? string.Empty;

        public string Query => QueryString.FromUriComponent(Target).Value ?? string.Empty;

        /// <summary>The fault rule applied, once run.</summary>
        public FaultRule? Rule { get; set; }

        public void Resolve(Uri batchUrl)
            => Target = Uri.TryCreate(batchUrl, Url, out var target) && (target.Scheme == Uri.UriSchemeHttp || target.Scheme == Uri.UriSchemeHttps)
                ? target
                : new Uri(batchUrl, "/" + Uri.EscapeDataString(Url));
    }

    /// <summary>What one operation answered.</summary>
    private sealed record Answer(int Status, List<(string Name, string Value)> Headers, JsonNode? Body, FaultKind? Fault)
    {
        public static Answer Error(int status, string code, string message)
            => new(status, [("Content-Type", "application/json; charset=utf-8"), ("OData-Version", "4.0")],
                JsonNode.Parse(BcErrors.Body(code, message)), null);
    }
}
