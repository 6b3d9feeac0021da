# Installs the npm packages pinned in DIR/package-lock.json into DIR/node_modules, once: run
# by the build on every build (`cmake -DNPM=... -DDIR=... -P npm-ci.cmake`), it does nothing
# while node_modules is newer than the lock file, so it works offline after the first
# install. `npm ci --prefer-offline` takes the packages from npm's cache when they are there.
# A lock file beside node_modules keeps two build directories from installing at once.
if(NOT DIR)
    message(FATAL_ERROR "npm-ci.cmake: pass -DDIR=<folder with package-lock.json>")
endif()
set(marker "${DIR}/node_modules/.package-lock.json")
if(EXISTS "${marker}" AND "${marker}" IS_NEWER_THAN "${DIR}/package-lock.json")
    return()
endif()
if(NOT NPM OR NOT EXISTS "${NPM}")
    message(FATAL_ERROR
        "npm is missing, and ${DIR} needs its npm packages (package-lock.json). Install "
        "Node.js and npm (Debian: apt-get install nodejs npm, or scripts/install-deps as "
        "root), then build again; or configure with -DDORF_WEB=OFF to build without the "
        "portal.")
endif()
file(LOCK "${DIR}/.npm-ci.lock" GUARD PROCESS TIMEOUT 600)
if(EXISTS "${marker}" AND "${marker}" IS_NEWER_THAN "${DIR}/package-lock.json")
    return() # another build installed them while we waited
endif()
message(STATUS "npm ci in ${DIR}")
execute_process(COMMAND "${NPM}" ci --prefer-offline --no-audit --no-fund --loglevel=error
                WORKING_DIRECTORY "${DIR}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR
        "npm ci in ${DIR} failed (${rc}): the first install needs the npm registry "
        "(registry.npmjs.org, or the one npm is configured for); later ones use npm's cache.")
endif()
file(TOUCH "${marker}")
