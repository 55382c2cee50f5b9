// The kafka plugin: libplugctl-kafka.so with the `kafka` input and output (librdkafka).
#include <plugctl/sdk.hpp>

PLUGCTL_PLUGIN(.name = "kafka", .version = PLUGCTL_KAFKA_VERSION, .vendor = "plugctl",
               .license = "Apache-2.0",
               .description = "Kafka through librdkafka: a consumer-group input that commits "
                              "only delivered offsets, and a producer output with per-message "
                              "results.");
