// The sql plugin: libplugctl-sql.so with sql_insert, sql_select and sql_raw (PostgreSQL).
#include <plugctl/sdk.hpp>

// Needs ABI 1.1 for running args_mapping (the host's Bloblang mapping slots).
PLUGCTL_PLUGIN(.name = "sql", .version = PLUGCTL_SQL_VERSION, .vendor = "plugctl",
               .license = "Apache-2.0",
               .description = "Reads from and writes to SQL databases (PostgreSQL through "
                              "libpq): bulk inserts, streaming selects, raw statements.",
               .abi_minor_required = 1);
