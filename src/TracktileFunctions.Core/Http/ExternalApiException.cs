using System.Net;

namespace TracktileFunctions.Http;

/// <summary>A call to an outside system (Tracktile, the ERP, ...) failed with an answer.</summary>
public abstract class ExternalApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected ExternalApiException(string system, int status, string? errorCode, string? requestId, string detail, Exception? inner = null)
        : base($"{system} answered {status}{(errorCode is null ? "" : $" ({errorCode})")}: {detail}", inner)
    {
        Status = status;
        ErrorCode = errorCode;
        RequestId = requestId;
    }

    /// <summary>The HTTP status code; 0 when no answer arrived.</summary>
    public int Status { get; }

    /// <summary>The system's error code, when it gave one.</summary>
    public string? ErrorCode { get; }

    /// <summary>The system's request id, for its support.</summary>
    public string? RequestId { get; }

    /// <summary>
    /// True for answers worth retrying later: 408, 429, 5xx, no answer, a malformed success answer, and 401/403 (an
    /// expired, revoked or rotated credential is fixed in configuration, not in the event: the event waits for it
    /// through the queue's retries instead of going to poison at once).
    /// </summary>
    public virtual bool IsTransient => Status is 0 or (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.Forbidden
            or (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or >= 500
        || ErrorCode == JsonHttp.MalformedResponse;
}
