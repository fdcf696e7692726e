using TracktileFunctions.Http;

namespace TracktileFunctions.BusinessCentral;

/// <summary>Business Central refused a call (its <c>{"error":{"code","message"}}</c> carried in) or did not answer.</summary>
public sealed class BusinessCentralApiException(int status, string? errorCode, string? requestId, string detail, Exception? inner = null)
    : ExternalApiException("Business Central", status, errorCode, requestId, detail, inner)
{
    /// <summary>Business Central's "the record changed since you read it" (409 <c>Request_EntityChanged</c>).</summary>
    public bool IsEntityChanged => Status == 409;

    /// <summary>408, 409 (changed meanwhile: read again), 429, 5xx, no answer, and 401/403 (a credential fixed in configuration) are retried; other 4xx are permanent.</summary>
    public override bool IsTransient => Status == 409 || base.IsTransient;
}
