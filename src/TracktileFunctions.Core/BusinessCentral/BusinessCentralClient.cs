using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TracktileFunctions.Http;
using TracktileFunctions.Processing;

namespace TracktileFunctions.BusinessCentral;

/// <summary>
/// Business Central's OData API v2.0, company-scoped: reads (paged by <c>@odata.nextLink</c>), writes with
/// <c>If-Match</c>, bound actions, and the error body carried into <see cref="BusinessCentralApiException"/>. The HTTP
/// pipeline in front of it signs requests in, caps calls in flight (5 by default, BC's per-user limit) and retries 429
/// (and, for reads only, 5xx and timeouts: a create that timed out is decided by look-up on the next attempt).
/// </summary>
public sealed class BusinessCentralClient(HttpClient http, BusinessCentralCompany company, IOptions<BusinessCentralOptions> options)
{
    private static readonly JsonHttp.ErrorFactory Error = (s, c, r, d, i) => new BusinessCentralApiException(s, c, r, d, i);

    private readonly BusinessCentralOptions _options = options.Value;

    /// <summary>An OData string literal: <c>'O''Brien'</c>.</summary>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>A key segment: <c>items(0f...)</c> from an id that must be a GUID (an id from a payload never shapes a URL).</summary>
    /// <exception cref="Processing.PermanentProcessingException">The id is not a GUID.</exception>
    public static string Key(string entitySet, string id)
        => Guid.TryParse(id, out var guid)
            ? $"{entitySet}({guid:D})"
            : throw new Processing.PermanentProcessingException($"'{id}' is not a Business Central id (a GUID) for {entitySet}");

    /// <summary>The first entity of <paramref name="entitySet"/> matching <paramref name="filter"/>, or null.</summary>
    public async Task<JsonElement?> FindAsync(string entitySet, string filter, CancellationToken cancellationToken)
    {
        var page = await GetAsync(await CompanyPathAsync($"{entitySet}?$filter={Uri.EscapeDataString(filter)}&$top=1", cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return page is { } body && body.TryGetProperty("value", out var value) && value.GetArrayLength() > 0 ? value[0].Clone() : null;
    }

    /// <summary>Every entity of <paramref name="entitySet"/> matching <paramref name="filter"/>, page by page.</summary>
    public async IAsyncEnumerable<JsonElement> ListAsync(string entitySet, string? filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Uri? next = await CompanyPathAsync(filter is null ? entitySet : $"{entitySet}?$filter={Uri.EscapeDataString(filter)}", cancellationToken).ConfigureAwait(false);
        while (next is not null)
        {
            var page = await GetAsync(next, cancellationToken).ConfigureAwait(false) ?? throw new BusinessCentralApiException(200, JsonHttp.MalformedResponse, null, "an empty page");
            if (page.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Array)
            {
                foreach (var entity in value.EnumerateArray())
                {
                    yield return entity;
                }
            }

            // Followed verbatim, as Business Central asks; it is refused if it points anywhere but Business Central.
            next = page.TryGetProperty("@odata.nextLink", out var link) && link.GetString() is { Length: > 0 } text ? SameHost(new Uri(text, UriKind.Absolute)) : null;
        }
    }

    /// <summary>One entity by its key segment (e.g. <c>customers(…)</c>), or null when Business Central has none (404).</summary>
    public async Task<JsonElement?> GetEntityAsync(string keySegment, CancellationToken cancellationToken)
    {
        try
        {
            return await GetAsync(await CompanyPathAsync(keySegment, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (BusinessCentralApiException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Creates an entity; returns it as Business Central answers (with its id and <c>@odata.etag</c>).</summary>
    public async Task<JsonElement> CreateAsync(string entitySet, object body, CancellationToken cancellationToken)
        => await SendAsync(HttpMethod.Post, await CompanyPathAsync(entitySet, cancellationToken).ConfigureAwait(false), body, null, cancellationToken).ConfigureAwait(false)
           ?? throw new BusinessCentralApiException(201, JsonHttp.MalformedResponse, null, "the create answer has no body");

    /// <summary>Updates an entity with <c>If-Match: <paramref name="etag"/></c>; a 409 means it changed since it was read.</summary>
    public async Task<JsonElement?> PatchAsync(string keySegment, object body, string etag, CancellationToken cancellationToken)
        => await SendAsync(HttpMethod.Patch, await CompanyPathAsync(keySegment, cancellationToken).ConfigureAwait(false), body, etag, cancellationToken).ConfigureAwait(false);

    /// <summary>Deletes an entity (<c>If-Match: *</c>, which Business Central's docs require); false when it was gone already.</summary>
    public async Task<bool> DeleteAsync(string keySegment, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(HttpMethod.Delete, await CompanyPathAsync(keySegment, cancellationToken).ConfigureAwait(false), null, "*", cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (BusinessCentralApiException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <summary>Calls a bound action (<c>salesOrders(…)/Microsoft.NAV.shipAndInvoice</c>): 204, no body.</summary>
    public async Task InvokeAsync(string keySegment, string action, CancellationToken cancellationToken)
        => await SendAsync(HttpMethod.Post, await CompanyPathAsync($"{keySegment}/{action}", cancellationToken).ConfigureAwait(false), null, null, cancellationToken).ConfigureAwait(false);

    /// <summary>The same calls on a custom API page (<c>api/{publisher}/{group}/{version}/companies(…)/…</c>).</summary>
    public async Task<Uri> CustomPathAsync(string apiPath, string relative, CancellationToken cancellationToken)
        => new(_options.ServiceRoot, $"api/{apiPath.Trim('/')}/companies({await company.IdAsync(this, cancellationToken).ConfigureAwait(false):D})/{relative}");

    /// <summary>A GET of any Business Central URL (the company's, a custom page's, <c>subscriptions</c>); null for 204.</summary>
    public async Task<JsonElement?> GetAsync(Uri uri, CancellationToken cancellationToken)
        => await SendAsync(HttpMethod.Get, uri, null, null, cancellationToken, preferPageSize: true).ConfigureAwait(false);

    /// <summary>A write to any Business Central URL; null for 204.</summary>
    public async Task<JsonElement?> SendAsync(
        HttpMethod method, Uri uri, object? body, string? etag, CancellationToken cancellationToken, bool preferPageSize = false, Action<HttpRequestMessage>? configure = null)
    {
        using var response = await JsonHttp.SendAsync(http, method, uri, body, null, Error, cancellationToken, request =>
        {
            configure?.Invoke(request);
            if (etag is not null)
            {
                request.Headers.TryAddWithoutValidation("If-Match", etag);
            }

            if (preferPageSize)
            {
                request.Headers.TryAddWithoutValidation("Prefer", $"odata.maxpagesize={_options.PageSize}");
            }
        }).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentLength == 0)
        {
            return null;
        }

        return await JsonHttp.ReadAsync<JsonElement>(response, Error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends up to 100 operations on the company in one OData JSON <c>$batch</c> request (one request against Business
    /// Central's limits), every one run whatever the others do (<c>Prefer: odata.continue-on-error</c>; Business
    /// Central stops at the first failure otherwise). Each operation's answer is its own: a failure is returned in it,
    /// as the exception a standalone call would have thrown, never thrown for the batch.
    /// </summary>
    /// <exception cref="BusinessCentralApiException">The batch itself was refused or got no answer (none of it, or any of it, may have run).</exception>
    public async Task<IReadOnlyList<BatchAnswer>> BatchAsync(IReadOnlyList<BatchOperation> operations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operations);
        if (operations.Count is 0 or > MaxBatchOperations)
        {
            throw new ArgumentOutOfRangeException(nameof(operations), operations.Count, $"a batch holds 1 to {MaxBatchOperations} operations");
        }

        var companyId = await company.IdAsync(this, cancellationToken).ConfigureAwait(false);
        var requests = new System.Text.Json.Nodes.JsonArray();
        for (var i = 0; i < operations.Count; i++)
        {
            var operation = operations[i];
            var request = new System.Text.Json.Nodes.JsonObject
            {
                ["id"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["method"] = operation.Method.Method,
                ["url"] = $"companies({companyId:D})/{operation.Relative}",
            };
            var headers = new System.Text.Json.Nodes.JsonObject();
            if (operation.Body is not null)
            {
                headers["Content-Type"] = "application/json";
                request["body"] = operation.Body.DeepClone();
            }

            if (operation.ETag is not null)
            {
                headers["If-Match"] = operation.ETag;
            }

            request["headers"] = headers;
            requests.Add(request);
        }

        var body = await SendAsync(HttpMethod.Post, new Uri(_options.ApiRoot, "$batch"), new System.Text.Json.Nodes.JsonObject { ["requests"] = requests }, null, cancellationToken,
            configure: r =>
            {
                r.Headers.Accept.ParseAdd("application/json");
                r.Headers.TryAddWithoutValidation("Prefer", "odata.continue-on-error");
            }).ConfigureAwait(false);
        var answers = new BatchAnswer[operations.Count];
        if (body is { } b && b.TryGetProperty("responses", out var responses) && responses.ValueKind == JsonValueKind.Array)
        {
            foreach (var response in responses.EnumerateArray())
            {
                if (response.TryGetProperty("id", out var id) && int.TryParse(id.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var index)
                    && index >= 0 && index < answers.Length && response.TryGetProperty("status", out var s) && s.TryGetInt32(out var status))
                {
                    var entity = response.TryGetProperty("body", out var e) && e.ValueKind == JsonValueKind.Object ? e.Clone() : (JsonElement?)null;
                    answers[index] = status is >= 200 and < 300
                        ? new BatchAnswer(status, entity, null)
                        : new BatchAnswer(status, null, OperationError(status, entity));
                }
            }
        }

        for (var i = 0; i < answers.Length; i++)
        {
            answers[i] ??= new BatchAnswer(0, null, new BusinessCentralApiException(0, null, null, "the batch answer has no result for this operation (not run)"));
        }

        return answers;
    }

    private static BusinessCentralApiException OperationError(int status, JsonElement? body)
    {
        var (code, message) = body is { } e ? JsonHttp.ParseError(e.GetRawText()) : (null, null);
        return new BusinessCentralApiException(status, code, null, message ?? $"the operation answered {status}");
    }

    /// <summary>Business Central runs at most 100 operations in one <c>$batch</c>.</summary>
    public const int MaxBatchOperations = 100;

    /// <summary>The <c>@odata.etag</c> of an entity.</summary>
    public static string ETag(JsonElement entity)
        => entity.TryGetProperty("@odata.etag", out var etag) && etag.GetString() is { Length: > 0 } text
            ? text
            : throw new BusinessCentralApiException(200, JsonHttp.MalformedResponse, null, "the entity has no @odata.etag");

    /// <summary>A string property of an entity, or null when absent or empty.</summary>
    public static string? Text(JsonElement entity, string name)
        => entity.ValueKind == JsonValueKind.Object && entity.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
           && value.GetString() is { Length: > 0 } text ? text : null;

    /// <summary>A URL in the company's standard API.</summary>
    public Task<Uri> CompanyUriAsync(string relative, CancellationToken cancellationToken) => CompanyPathAsync(relative, cancellationToken);

    private async Task<Uri> CompanyPathAsync(string relative, CancellationToken cancellationToken)
        => new(_options.ApiRoot, $"companies({await company.IdAsync(this, cancellationToken).ConfigureAwait(false):D})/{relative}");

    private Uri SameHost(Uri next)
        => Uri.Compare(next, _options.ServiceRoot, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0
            ? next
            : throw new BusinessCentralApiException(200, JsonHttp.MalformedResponse, null, "@odata.nextLink points away from Business Central");
}

/// <summary>The company every call is scoped to: from <c>BusinessCentral:CompanyId</c>, or looked up once by name and cached.</summary>
public sealed class BusinessCentralCompany(IOptions<BusinessCentralOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Guid? _id = Guid.TryParse(options.Value.CompanyId, out var id) ? id : null;

    /// <summary>The company's id.</summary>
    /// <exception cref="NotReadyException">No company has the configured name (a setting to fix: events wait, retried).</exception>
    public async Task<Guid> IdAsync(BusinessCentralClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (_id is { } known)
        {
            return known;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_id is { } raced)
            {
                return raced;
            }

            var name = options.Value.CompanyName ?? "";
            var page = await client.GetAsync(
                new Uri(options.Value.ApiRoot, $"companies?$filter={Uri.EscapeDataString($"name eq {BusinessCentralClient.Literal(name)}")}"), cancellationToken).ConfigureAwait(false);
            var found = page is { } body && body.TryGetProperty("value", out var value) && value.GetArrayLength() > 0
                && value[0].TryGetProperty("id", out var companyId) && companyId.TryGetGuid(out var guid)
                    ? guid
                    : throw new NotReadyException(
                        $"Business Central has no company named '{name}' in this environment (check BusinessCentral:CompanyName, or set BusinessCentral:CompanyId)");
            _id = found;
            return found;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();
}

/// <summary>One operation of a <c>$batch</c>: a method on a path relative to the company (<c>items?$filter=…</c>, <c>items(…)</c>).</summary>
public sealed record BatchOperation(HttpMethod Method, string Relative, System.Text.Json.Nodes.JsonNode? Body = null, string? ETag = null);

/// <summary>One operation's answer: its status and entity, or the failure a standalone call would have thrown.</summary>
public sealed record BatchAnswer(int Status, JsonElement? Body, BusinessCentralApiException? Error);
