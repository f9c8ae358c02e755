package io.paligemma.server;

/**
 * A request the server answers with an error: the HTTP status and OpenAI's error object
 * ({@code {"error": {"message", "type", "param", "code"}}}).
 */
final class ApiException extends RuntimeException {
    final int status;
    final String type;
    final String param;   // the request field at fault, or null
    final String code;    // a short machine-readable reason, or null

    ApiException(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: the request itself is wrong; {@code param} names the field. */
    static ApiException badRequest(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message);
    }

    /** 400 for a request over one of the server's limits; {@code code} names the limit. */
    static ApiException limit(String param, String code, String message) {
        return new ApiException(400, "invalid_request_error", param, code, message);
    }
}
