using TracktileFunctions.Sandbox.Faults;

namespace TracktileFunctions.Sandbox.Recording;

/// <summary>One request to <c>/tracktile/</c> or <c>/erp/</c>, as received and as answered.</summary>
/// <param name="Time">When the request arrived.</param>
/// <param name="Path">The full path, e.g. <c>/erp/sales-orders</c>.</param>
/// <param name="Query">The query string including <c>?</c>, or empty.</param>
/// <param name="HasAuthorization">Whether an <c>Authorization</c> header was sent.</param>
/// <param name="AuthorizationScheme">Its scheme (<c>Bearer</c>, <c>Basic</c>...); the credentials are not kept.</param>
/// <param name="ApiKey">The <c>X-Api-Key</c> header.</param>
/// <param name="IdempotencyKey">The <c>Idempotency-Key</c> header; <see langword="null"/> when absent.</param>
/// <param name="Body">The request body as UTF-8 text (empty when none).</param>
/// <param name="StatusCode">The status answered.</param>
/// <param name="Fault">The fault applied to this request, if any.</param>
/// <param name="Replayed">Whether the answer was replayed for a repeated idempotency key (no effect).</param>
/// <param name="Aborted">Whether the client gave up before the answer.</param>
public sealed record SandboxCall(
    DateTimeOffset Time,
    string Method,
    string Path,
    string Query,
    string? ContentType,
    bool HasAuthorization,
    string? AuthorizationScheme,
    string? ApiKey,
    string? IdempotencyKey,
    string Body,
    int StatusCode,
    FaultKind? Fault,
    bool Replayed,
    bool Aborted);
