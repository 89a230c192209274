# Installation of documentation, configuration example and service files.
# Packages adjust where the unit goes and whether the OpenRC script is
# installed (debian/rules: /lib/systemd/system, no OpenRC script).
set(MPPD_SYSTEMD_UNITDIR lib/systemd/system CACHE STRING
    "Where the systemd unit is installed (relative to the prefix, or absolute)")
option(MPPD_INSTALL_OPENRC "Install the OpenRC service script" ON)
set(BINDIR ${CMAKE_INSTALL_FULL_BINDIR})
configure_file(${CMAKE_SOURCE_DIR}/dist/mppd.service
               ${CMAKE_BINARY_DIR}/dist/mppd.service @ONLY)
configure_file(${CMAKE_SOURCE_DIR}/dist/mppd.openrc
               ${CMAKE_BINARY_DIR}/dist/mppd.openrc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/dist/mppd.service
        DESTINATION ${MPPD_SYSTEMD_UNITDIR})
if(MPPD_INSTALL_OPENRC)
  install(PROGRAMS ${CMAKE_BINARY_DIR}/dist/mppd.openrc
          DESTINATION ${CMAKE_INSTALL_SYSCONFDIR}/init.d RENAME mppd)
endif()
install(FILES ${CMAKE_SOURCE_DIR}/doc/mppd.8
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${CMAKE_SOURCE_DIR}/doc/mppd.conf.5
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES ${CMAKE_SOURCE_DIR}/examples/mpp-solar.conf
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
if(TARGET mppd-sim)
  install(FILES ${CMAKE_SOURCE_DIR}/doc/mppd-sim.1
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
install(FILES ${CMAKE_SOURCE_DIR}/dist/udev/99-mppd.rules
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# The program names mpp-solar installs (mpp-solar, mppsolar, jkbms) as
# relative symbolic links to mppd, so existing scripts keep working; run
# as jkbms, the defaults are protocol JK04 and /etc/jkbms/jkbms.conf.
# The prefix is read at install time, so `cmake --install --prefix` works.
foreach(alias mpp-solar mppsolar jkbms)
  install(CODE "
    set(bindir \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
    set(man8dir \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_MANDIR}/man8\")
    file(MAKE_DIRECTORY \"\${bindir}\" \"\${man8dir}\")
    execute_process(COMMAND \"${CMAKE_COMMAND}\" -E create_symlink mppd
                    \"\${bindir}/${alias}\")
    execute_process(COMMAND \"${CMAKE_COMMAND}\" -E create_symlink mppd.8
                    \"\${man8dir}/${alias}.8\")
    message(STATUS \"Installing: \${bindir}/${alias} -> mppd\")")
endforeach()
