using TracktileFunctions.Http;

namespace TracktileFunctions.Tracktile;

/// <summary>Tracktile's API refused a call or did not answer.</summary>
public sealed class TracktileApiException(int status, string? errorCode, string? requestId, string detail, Exception? inner = null)
    : ExternalApiException("Tracktile", status, errorCode, requestId, detail, inner);
